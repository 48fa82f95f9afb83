package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.kbuild.SchedExtKernel;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.Scheduler;
import dev.kvmunit.junit.VmTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A scheduler that sched_ext drops fails its test when it happens, with the kernel's reason on
 * the first line: scx_qmap's fault injection, in fixtures run through Jupiter with the
 * {@link EngineTestKit} on real guests. Each fixture's exec would run until the VM's timeout;
 * it has to be the scheduler's failure that ends it, long before. And one that never attaches
 * fails before the body, naming the state it left.
 *
 * <p>The fixtures boot kvmunit's sched_ext kernel and its scx_qmap (built on first use). They
 * only run in a {@link FixtureRun}, all in one, so one nested-rig L1 serves them.
 */
class SchedulerFailuresTest {
    /** Starts a user thread five times a second until stopped: work for the scheduler to get wrong. */
    private static final ExecRequest BUSY_FOREVER = ExecRequest.of("sh", "-c", "while :; do sleep 0.2; done");
    private static final int VM_TIMEOUT_SECONDS = 300;

    @TempDir
    static Path reports;
    private static EngineExecutionResults results;

    private static synchronized EngineExecutionResults results() {
        if (results == null) {
            // Built (on a cold machine, for minutes) before the fixtures start, so their timings are the VMs'.
            SchedExtKernel.ensureBuilt(line -> System.err.println("[kvmunit] " + line));
            results = FixtureRun.execute(reports, BpfError.class, Stall.class, NeverAttached.class);
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
        String dump = published(BpfError.class, GuestScheduler.DUMP_ATTACHMENT);
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
        String dump = published(Stall.class, GuestScheduler.DUMP_ATTACHMENT);
        assertTrue(dump.contains("runnable task stall ("), dump);
        assertFailedInTheBodyOnce(Stall.class, failure);
    }

    @Test
    void aSchedulerNeverAttachedFailsNamingTheStateAndItsOutputOnce() {
        Throwable failure = failureOf(NeverAttached.class);

        String message = failure.getMessage();
        assertTrue(message.contains("scheduler 'sleep' (") && message.contains(" was not enabled within "
                + NeverAttached.TIMEOUT_SECONDS + " s: /sys/kernel/sched_ext/state reads 'disabled'\nit printed nothing"
                + "\nlast guest console lines:"), message);
        assertEquals(0, failure.getSuppressed().length, () -> Arrays.toString(failure.getSuppressed()));
    }

    /**
     * Thrown by the exec in progress, well before the VM's timeout; and not reported a second
     * time after the test.
     */
    private static void assertFailedInTheBodyOnce(Class<?> fixture, Throwable failure) {
        assertTrue(Arrays.stream(failure.getStackTrace()).anyMatch(frame -> frame.getClassName().equals(fixture.getName())),
                () -> "thrown from the test body: " + Arrays.toString(failure.getStackTrace()));
        assertEquals(0, failure.getSuppressed().length, () -> Arrays.toString(failure.getSuppressed()));
        Duration ran = Duration.between(FixtureRun.event(results(), fixture, EventType.STARTED).getTimestamp(),
                FixtureRun.event(results(), fixture, EventType.FINISHED).getTimestamp());
        assertTrue(ran.toSeconds() < VM_TIMEOUT_SECONDS - 60, () -> "the test took " + ran);
    }

    private static Throwable failureOf(Class<?> fixture) {
        return FixtureRun.failure(results(), fixture);
    }

    private static String published(Class<?> fixture, String name) throws IOException {
        String file = FixtureRun.publishedFiles(results(), fixture).get(name);
        assertNotNull(file, () -> fixture.getSimpleName() + " published no " + name);
        return file;
    }

    /** {@code scx_qmap -e COUNT} calls scx_bpf_error() after COUNT enqueues. */
    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class BpfError {
        @VmTest(cpus = 2, scheduler = @Scheduler(value = "scx_qmap", args = {"-e", "300"}),
                timeoutSeconds = VM_TIMEOUT_SECONDS)
        void keepsTheSchedulerBusy(Guest guest) {
            guest.exec(BUSY_FOREVER);
        }
    }

    /** Not a scheduler at all: it never attaches, and prints nothing meanwhile. */
    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class NeverAttached {
        static final int TIMEOUT_SECONDS = 5;

        @VmTest(scheduler = @Scheduler(value = "sleep", args = "600", enableTimeoutSeconds = TIMEOUT_SECONDS))
        void isNeverReached(Guest guest) {
            fail("the body ran without a scheduler attached");
        }
    }

    /** {@code scx_qmap -t COUNT} never dispatches every COUNT'th user thread; its watchdog timeout is 5 s. */
    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class Stall {
        @VmTest(cpus = 2, scheduler = @Scheduler(value = "scx_qmap", args = {"-t", "20"}),
                timeoutSeconds = VM_TIMEOUT_SECONDS)
        void keepsStartingThreads(Guest guest) {
            guest.exec(BUSY_FOREVER);
        }
    }
}
