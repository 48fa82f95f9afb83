package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.DiscoverySelector;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The JUnit contract of {@link VmTest} as JUnit itself reports it: fixture classes run through
 * Jupiter with the {@link EngineTestKit}, over real guests, and the events (results, failure
 * messages, published files, skips) are checked.
 *
 * <p>The fixtures are static nested classes: Surefire's default excludes ({@code **}{@code /*$*})
 * and a {@code -Dtest} pattern naming this class leave them out, and {@link ThroughTheContractTest}
 * skips them wherever something else discovers them (an IDE's package run), so they only run
 * here. All guest fixtures go through one engine run: the nested rig's L1 machine lives as long
 * as one run's root context, and booting it is the most expensive part.
 */
class VmTestContractTest {
    private static final String FIXTURES_PARAMETER = "kvmunit.contract.fixtures";
    private static final String NO_KVM = "/dev/kvm does not exist (contract fixture)";
    private static final String PANIC_HEADLINE = "Kernel panic - not syncing: sysrq triggered crash";
    private static final int TIMEOUT_SECONDS = 45;
    private static final String TIMEOUT_MARKER = "contract: sleeping past the timeout";

    @TempDir
    static Path reports;
    private static EngineExecutionResults guests;

    /**
     * The guest fixtures' one engine run, made by the first test that needs it. Where no guest
     * can boot, @VmTest skips (outside CI), and so do the tests that need guests.
     */
    private static synchronized EngineExecutionResults guests() {
        if (guests == null) {
            guests = run(Passing.class, FailingRun.class, Panicking.class, TimingOut.class);
        }
        Optional<String> skipped = guests.testEvents().skipped().stream()
                .map(event -> event.getRequiredPayload(String.class)).findFirst();
        assumeTrue(skipped.isEmpty(), () -> "guest fixtures were skipped: " + skipped.orElseThrow());
        return guests;
    }

    @Test
    void everyGuestFixtureRanOnceAndOnlyThePassingOneSucceeded() {
        guests().testEvents()
                .assertStatistics(stats -> stats.skipped(0).started(4).succeeded(1).failed(3).aborted(0));
        guests().containerEvents().assertStatistics(stats -> stats.failed(0));
    }

    @Test
    void passingTestPublishesItsConsoleAndTranscript() throws IOException {
        assertEquals(TestExecutionResult.Status.SUCCESSFUL, finished(Passing.class).getStatus());
        Map<String, String> files = publishedFiles(Passing.class);
        assertEquals(List.of("agent-transcript.txt", "guest-console.txt"), List.copyOf(files.keySet()));
        String console = files.get("guest-console.txt");
        assertTrue(console.startsWith("---- kvmunit guest console: kernel "), console);
        assertTrue(console.contains(Passing.CONSOLE_LINE), console);
        String transcript = files.get("agent-transcript.txt");
        assertTrue(transcript.contains(Passing.STDOUT), transcript);
    }

    @Test
    void failingRunNamesTheCommandItsStatusAndStderr() throws IOException {
        String message = failureMessage(FailingRun.class);
        assertTrue(message.startsWith("guest command sh -c " + FailingRun.SCRIPT + " exited with status 3"), message);
        assertTrue(message.contains("stderr:\n" + FailingRun.STDERR), message);
        // A failed test still gets its guest's files.
        Map<String, String> files = publishedFiles(FailingRun.class);
        assertEquals(List.of("agent-transcript.txt", "guest-console.txt"), List.copyOf(files.keySet()));
        assertTrue(files.get("agent-transcript.txt").contains(FailingRun.STDERR), files.get("agent-transcript.txt"));
    }

    @Test
    void panicFailsWithTheHeadlineFirstAndTheKernelsReport() throws IOException {
        String message = failureMessage(Panicking.class);
        assertEquals(PANIC_HEADLINE, message.lines().findFirst().orElseThrow(), message);
        assertTrue(message.contains("exec [sh, -c, " + Panicking.SCRIPT + "] failed"), message);
        assertTrue(message.contains("the guest ended: PANIC"), message);
        // The kernel's report, with the line it printed before the headline.
        assertTrue(message.contains("sysrq: Trigger a crash"), message);
        assertTrue(publishedFiles(Panicking.class).get("guest-console.txt").contains(PANIC_HEADLINE));
    }

    @Test
    void timeoutFailsNamingTheLimitWithTheLastConsoleLines() throws IOException {
        String message = failureMessage(TimingOut.class);
        assertTrue(message.startsWith("exec [sh, -c, " + TimingOut.SCRIPT + "] failed"), message);
        assertTrue(message.contains("the guest ended: TIMEOUT"), message);
        assertTrue(message.contains("PT" + TIMEOUT_SECONDS + "S"), message);
        int tail = message.indexOf("last guest console lines:");
        assertTrue(tail > 0 && message.indexOf(TIMEOUT_MARKER, tail) > tail, message);
        assertTrue(publishedFiles(TimingOut.class).get("guest-console.txt").contains(TIMEOUT_MARKER));
    }

    @Test
    void withoutKvmAndWithoutCiTheTestIsSkippedWithTheReason() {
        EngineExecutionResults results = run(WithoutKvmOrCi.class);
        results.testEvents().assertStatistics(stats -> stats.skipped(1).started(0));
        String reason = results.testEvents().skipped().stream().findFirst().orElseThrow()
                .getRequiredPayload(String.class);
        assertTrue(reason.contains(NO_KVM), reason);
    }

    /** The one place that builds an extension for a host without KVM and outside CI. */
    static VmTestExtension extensionWithoutKvmOrCi() {
        return new VmTestExtension(() -> Optional.of(NO_KVM), name -> null);
    }

    private static EngineExecutionResults run(Class<?>... fixtures) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(Arrays.stream(fixtures).map(fixture -> selectClass(fixture)).toArray(DiscoverySelector[]::new))
                .configurationParameter(FIXTURES_PARAMETER, "true")
                .outputDirectoryCreator(new ReportDirectories(reports))
                .execute();
    }

    private static List<Event> testEvents(Class<?> fixture, EventType type) {
        return guests().testEvents().stream()
                .filter(event -> event.getType() == type && fixtureOf(event.getTestDescriptor()) == fixture)
                .toList();
    }

    private static Class<?> fixtureOf(TestDescriptor test) {
        return test.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(MethodSource::getJavaClass).orElse(null);
    }

    private static TestExecutionResult finished(Class<?> fixture) {
        List<Event> finished = testEvents(fixture, EventType.FINISHED);
        assertEquals(1, finished.size(), () -> fixture.getSimpleName() + " finished " + finished);
        return finished.get(0).getRequiredPayload(TestExecutionResult.class);
    }

    private static String failureMessage(Class<?> fixture) {
        TestExecutionResult result = finished(fixture);
        assertEquals(TestExecutionResult.Status.FAILED, result.getStatus(), fixture.getSimpleName());
        return result.getThrowable().orElseThrow().getMessage();
    }

    /** File name to content, sorted by name, of what the fixture's test published. */
    private static Map<String, String> publishedFiles(Class<?> fixture) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (Event event : testEvents(fixture, EventType.FILE_ENTRY_PUBLISHED)) {
            Path file = event.getRequiredPayload(FileEntry.class).getPath();
            files.put(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        }
        return files;
    }

    /** One directory per test under the run's temp dir, where published files go. */
    private record ReportDirectories(Path root) implements OutputDirectoryCreator {
        @Override
        public Path getRootDirectory() {
            return root;
        }

        @Override
        public Path createOutputDirectory(TestDescriptor test) throws IOException {
            String name = test.getUniqueId().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            return Files.createDirectories(root.resolve(name));
        }
    }

    /** Runs a fixture only when this class's engine run asks for it; anywhere else it is skipped. */
    static final class ThroughTheContractTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURES_PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by VmTestContractTest")
                    : ConditionEvaluationResult.disabled("a fixture of VmTestContractTest, run only by it");
        }
    }

    @ExtendWith(ThroughTheContractTest.class)
    static class Passing {
        static final String STDOUT = "contract: the command ran";
        static final String CONSOLE_LINE = "contract: the guest wrote to its console";

        @VmTest
        void runsACommand(Guest guest) {
            String out = guest.run("sh", "-c", "echo '" + STDOUT + "'; echo '" + CONSOLE_LINE + "' > /dev/console")
                    .stdoutText();
            assertEquals(STDOUT + "\n", out);
        }
    }

    @ExtendWith(ThroughTheContractTest.class)
    static class FailingRun {
        static final String STDERR = "contract: disk on fire";
        static final String SCRIPT = "echo '" + STDERR + "' >&2; exit 3";

        @VmTest
        void runsACommandThatFails(Guest guest) {
            guest.run("sh", "-c", SCRIPT);
        }
    }

    @ExtendWith(ThroughTheContractTest.class)
    static class Panicking {
        static final String SCRIPT = "echo c > /proc/sysrq-trigger";

        @VmTest
        void crashesTheKernel(Guest guest) {
            guest.exec("sh", "-c", SCRIPT);
            fail("the guest survived a sysrq crash");
        }
    }

    @ExtendWith(ThroughTheContractTest.class)
    static class TimingOut {
        static final String SCRIPT = "echo '" + TIMEOUT_MARKER + "' > /dev/console; sleep 600";

        @VmTest(timeoutSeconds = TIMEOUT_SECONDS)
        void sleepsPastTheTimeout(Guest guest) {
            guest.exec("sh", "-c", SCRIPT);
            fail("the guest outlived its timeout");
        }
    }

    @ExtendWith(ThroughTheContractTest.class)
    static class WithoutKvmOrCi {
        @RegisterExtension
        static final VmTestExtension EXTENSION = extensionWithoutKvmOrCi();

        @VmTest
        void wouldNeedAGuest(Guest guest) {
            fail("ran although the host has no KVM and this is not CI");
        }
    }
}
