package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.Scheduler;
import dev.kvmunit.junit.VmTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.OutputDirectoryCreator;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * A scheduler that sched_ext drops fails its test when it happens, with the kernel's reason on
 * the first line: scx_qmap's fault injection, in fixtures run through Jupiter with the
 * {@link EngineTestKit} on real guests. Each fixture's exec would run until the VM's timeout;
 * it has to be the scheduler's failure that ends it, long before.
 *
 * <p>Needs a sched_ext kernel and scx_qmap, for now given as {@code -Dkvmunit.kernel=...} and
 * {@code -Dkvmunit.binary.scx_qmap=...} (README, "Binaries in the guest"). The fixtures are
 * static nested classes, which Surefire leaves out, and skip unless run from here. Both go
 * through one engine run, so one nested-rig L1 serves them.
 */
class SchedulerFailuresTest {
    private static final String FIXTURES_PARAMETER = "kvmunit.scheduler-failures.fixtures";
    /** Starts a user thread five times a second until stopped: work for the scheduler to get wrong. */
    private static final ExecRequest BUSY_FOREVER = ExecRequest.of("sh", "-c", "while :; do sleep 0.2; done");
    private static final int VM_TIMEOUT_SECONDS = 300;

    @TempDir
    static Path reports;
    private static EngineExecutionResults results;

    private static synchronized EngineExecutionResults results() {
        if (results == null) {
            results = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(BpfError.class), selectClass(Stall.class))
                    .configurationParameter(FIXTURES_PARAMETER, "true")
                    .outputDirectoryCreator(new ReportDirectories(reports))
                    .execute();
        }
        return results;
    }

    @Test
    void aBpfErrorFailsTheExecInProgressWithTheKernelsReasonFirstAndTheDumpAttached() throws IOException {
        Throwable failure = failureOf(BpfError.class);

        String message = failure.getMessage();
        assertTrue(message.startsWith("scx_bpf_error (test triggering error): sched_ext disabled scheduler"
                + " 'scx_qmap'"), message);
        assertTrue(message.contains("sched_ext had enabled it as 'qmap'"), message);
        assertTrue(message.contains("EXIT: scx_bpf_error (test triggering error)"), "its own output:\n" + message);
        String dump = Files.readString(published(BpfError.class, GuestScheduler.DUMP_ATTACHMENT), StandardCharsets.UTF_8);
        assertTrue(dump.contains("triggered exit kind") && dump.contains("scx_bpf_error (test triggering error)"), dump);
        assertFailedInTheBodyOnce(BpfError.class, failure);
    }

    @Test
    void aStallCaughtBySchedExtsWatchdogFailsTheExecInProgressWithTheKernelsReasonFirst() throws IOException {
        Throwable failure = failureOf(Stall.class);

        String message = failure.getMessage();
        assertTrue(message.startsWith("runnable task stall ("), message);
        assertTrue(message.lines().findFirst().orElseThrow().contains(" failed to run for "), message);
        assertTrue(message.contains("EXIT: runnable task stall"), message);
        Files.readString(published(Stall.class, GuestScheduler.DUMP_ATTACHMENT), StandardCharsets.UTF_8);
        assertFailedInTheBodyOnce(Stall.class, failure);
    }

    /**
     * Thrown by the exec in progress, well before the VM's timeout; and not reported a second
     * time after the test.
     */
    private static void assertFailedInTheBodyOnce(Class<?> fixture, Throwable failure) {
        assertTrue(Arrays.stream(failure.getStackTrace()).anyMatch(frame -> frame.getClassName().equals(fixture.getName())),
                () -> "thrown from the test body: " + Arrays.toString(failure.getStackTrace()));
        assertEquals(0, failure.getSuppressed().length, () -> Arrays.toString(failure.getSuppressed()));
        Duration ran = Duration.between(event(fixture, EventType.STARTED).getTimestamp(),
                event(fixture, EventType.FINISHED).getTimestamp());
        assertTrue(ran.toSeconds() < VM_TIMEOUT_SECONDS - 60, () -> "the test took " + ran);
    }

    private static Throwable failureOf(Class<?> fixture) {
        TestExecutionResult result = event(fixture, EventType.FINISHED).getRequiredPayload(TestExecutionResult.class);
        assertEquals(TestExecutionResult.Status.FAILED, result.getStatus(), fixture.getSimpleName() + ": " + result);
        return result.getThrowable().orElseThrow();
    }

    private static Event event(Class<?> fixture, EventType type) {
        List<Event> events = results().testEvents().stream()
                .filter(event -> event.getType() == type && fixtureOf(event.getTestDescriptor()) == fixture).toList();
        assertEquals(1, events.size(), () -> fixture.getSimpleName() + " " + type + ": " + events);
        return events.get(0);
    }

    private static Path published(Class<?> fixture, String name) {
        return results().testEvents().stream()
                .filter(event -> event.getType() == EventType.FILE_ENTRY_PUBLISHED
                        && fixtureOf(event.getTestDescriptor()) == fixture)
                .map(event -> event.getRequiredPayload(FileEntry.class).getPath())
                .filter(file -> file.getFileName().toString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(fixture.getSimpleName() + " published no " + name));
    }

    private static Class<?> fixtureOf(TestDescriptor test) {
        return test.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(MethodSource::getJavaClass).orElse(null);
    }

    /** One directory per test under the run's temp dir, where published files go. */
    private record ReportDirectories(Path root) implements OutputDirectoryCreator {
        @Override
        public Path getRootDirectory() {
            return root;
        }

        @Override
        public Path createOutputDirectory(TestDescriptor test) throws IOException {
            return Files.createDirectories(root.resolve(test.getUniqueId().toString().replaceAll("[^A-Za-z0-9._-]", "_")));
        }
    }

    /** Runs a fixture only in this class's engine run; anywhere else (an IDE's package run) it is skipped. */
    static final class OnlyFromSchedulerFailuresTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURES_PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by SchedulerFailuresTest")
                    : ConditionEvaluationResult.disabled("a fixture of SchedulerFailuresTest, run only by it");
        }
    }

    /** {@code scx_qmap -e COUNT} calls scx_bpf_error() after COUNT enqueues. */
    @ExtendWith(OnlyFromSchedulerFailuresTest.class)
    static class BpfError {
        @VmTest(cpus = 2, scheduler = @Scheduler(value = "scx_qmap", args = {"-e", "300"}),
                timeoutSeconds = VM_TIMEOUT_SECONDS)
        void keepsTheSchedulerBusy(Guest guest) {
            guest.exec(BUSY_FOREVER);
        }
    }

    /** {@code scx_qmap -t COUNT} never dispatches every COUNT'th user thread; its watchdog timeout is 5 s. */
    @ExtendWith(OnlyFromSchedulerFailuresTest.class)
    static class Stall {
        @VmTest(cpus = 2, scheduler = @Scheduler(value = "scx_qmap", args = {"-t", "20"}),
                timeoutSeconds = VM_TIMEOUT_SECONDS)
        void keepsStartingThreads(Guest guest) {
            guest.exec(BUSY_FOREVER);
        }
    }
}
