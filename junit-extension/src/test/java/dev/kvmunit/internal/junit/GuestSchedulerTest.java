package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.agent.GuestAgent;
import dev.kvmunit.internal.agent.GuestErrors;
import dev.kvmunit.internal.agent.KernelLogLine;
import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.junit.OutputStreamKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Starting and watching a scheduler against a stand-in for the channel to the guest init: the
 * guest side (a sched_ext kernel) is exercised by the real-guest tests, the decisions made from
 * its answers here. The stand-in's files are a map; a file with several values in
 * {@link #sysfs} yields them in turn, the last one for good.
 */
class GuestSchedulerTest {
    private static final ResolvedBinary SCX_QMAP = new ResolvedBinary("scheduler", "scx_qmap",
            Path.of("/opt/scx/bin/scx_qmap"), "PATH");
    private static final Duration GENEROUS = Duration.ofMinutes(5);
    private static final List<String> CONSOLE = List.of("[   18.0] sched_ext: BPF scheduler \"qmap\" disabled");

    private final GuestAgent agent = mock(GuestAgent.class);
    private final Map<String, Deque<String>> sysfs = new HashMap<>();
    private final List<ExecRequest> requests = new ArrayList<>();
    private final CompletableFuture<ExecResult> process = new CompletableFuture<>();
    private final CompletableFuture<ExecResult> watch = new CompletableFuture<>();
    private final List<KernelLogLine> kernelLog = new ArrayList<>();
    private ExecListener output;

    @BeforeEach
    void aGuestWithSchedExt() throws IOException {
        file(GuestScheduler.ENABLE_SEQ_FILE, "0", "1");
        file(GuestScheduler.STATE_FILE, "enabled");
        file(GuestScheduler.OPS_FILE, "qmap");
        when(agent.readFile(anyString())).thenAnswer(call -> {
            Deque<String> values = sysfs.get(call.<String>getArgument(0));
            if (values == null) {
                throw GuestErrors.noSuchFile(call.getArgument(0));
            }
            String value = values.size() > 1 ? values.removeFirst() : values.getFirst();
            return (value + "\n").getBytes(StandardCharsets.UTF_8);
        });
        when(agent.execAsync(any(), any())).thenAnswer(call -> {
            ExecRequest request = call.getArgument(0);
            requests.add(request);
            if (request.argv().get(0).equals("sh")) {
                return watch;
            }
            output = call.getArgument(1);
            return process;
        });
        when(agent.kernelLog()).thenReturn(kernelLog);
    }

    private void file(String path, String... values) {
        sysfs.put(path, new ArrayDeque<>(List.of(values)));
    }

    private GuestScheduler start(List<String> args, Duration enableTimeout) throws IOException {
        return GuestScheduler.start(agent, SCX_QMAP, args, Optional.empty(), enableTimeout, () -> CONSOLE);
    }

    private void schedulerPrints(String text) {
        output.onOutput(OutputStreamKind.STDERR, text.getBytes(StandardCharsets.UTF_8));
    }

    private void schedulerExits(int status) {
        output.onExit(new ExecResult(status, 0, new byte[0], new byte[0], false, false));
        process.complete(new ExecResult(status, 0, new byte[0], new byte[0], false, false));
    }

    private void kernelLogs(String... messages) {
        for (String message : messages) {
            kernelLog.add(new KernelLogLine(3, 18_000_000, message));
        }
    }

    private static String failureOf(GuestScheduler scheduler) throws Exception {
        scheduler.stopped().get(10, TimeUnit.SECONDS);
        return scheduler.failure().get(30, TimeUnit.SECONDS);
    }

    @Test
    void startsTheHostPathWithItsArgumentsAndLibraryPathThenWatchesTheState() throws IOException {
        file(GuestScheduler.STATE_FILE, "disabled", "enabling", "enabled");

        GuestScheduler.start(agent, SCX_QMAP, List.of("-s", "20000"), Optional.of("/opt/scx/lib"), GENEROUS,
                () -> CONSOLE);

        ExecRequest scheduler = requests.get(0);
        assertEquals(List.of("/opt/scx/bin/scx_qmap", "-s", "20000"), scheduler.argv());
        assertEquals(Map.of("LD_LIBRARY_PATH", "/opt/scx/lib"), scheduler.env());
        assertEquals(Duration.ZERO, scheduler.timeout(), "the scheduler runs until the guest powers off");
        assertEquals(List.of("sh", "-c", GuestScheduler.WATCH_SCRIPT), requests.get(1).argv(),
                "watched from inside the guest once attached");
    }

    @Test
    void attachedMeansEnabledWithOpsAndAnEnableSequenceThatMoved() {
        file(GuestScheduler.ENABLE_SEQ_FILE, "3");

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, () -> start(List.of(), Duration.ZERO));

        assertTrue(failure.getMessage().startsWith("scheduler 'scx_qmap' (/opt/scx/bin/scx_qmap, from PATH) was not"
                + " enabled within 0 s: /sys/kernel/sched_ext/state reads 'enabled' but /sys/kernel/sched_ext/enable_seq"
                + " stayed at 3: sched_ext runs 'qmap', enabled before this scheduler started"), failure.getMessage());
    }

    @Test
    void aSchedulerThatExitsBeforeAttachingFailsWithItsStatusAndOutput() throws IOException {
        file(GuestScheduler.STATE_FILE, "disabled");
        doAnswer(call -> {
            ExecListener listener = call.getArgument(1);
            listener.onOutput(OutputStreamKind.STDOUT, "loading\n".getBytes(StandardCharsets.UTF_8));
            listener.onOutput(OutputStreamKind.STDERR,
                    "libbpf: failed to load BPF skeleton\n".getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(new ExecResult(1, 0, new byte[0], new byte[0], false, false));
        }).when(agent).execAsync(any(), any());

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, () -> start(List.of(), GENEROUS));

        String message = failure.getMessage();
        assertTrue(message.startsWith("scheduler 'scx_qmap' (/opt/scx/bin/scx_qmap, from PATH) exited with status 1"
                + " before sched_ext enabled it\n/sys/kernel/sched_ext/state reads 'disabled'"), message);
        assertTrue(message.endsWith("its last output:\n  loading\n  libbpf: failed to load BPF skeleton"), message);
    }

    @Test
    void aSchedulerNeverEnabledInTimeFailsWithTheStateAndItsOutputSoFar() throws IOException {
        doAnswer(call -> {
            schedulerPrints("waiting for the verifier\n");
            return "enabling\n".getBytes(StandardCharsets.UTF_8);
        }).when(agent).readFile(GuestScheduler.STATE_FILE);

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, () -> start(List.of(), Duration.ZERO));

        String message = failure.getMessage();
        assertTrue(message.contains("was not enabled within 0 s: /sys/kernel/sched_ext/state reads 'enabling'"), message);
        assertTrue(message.contains("its last output:\n  waiting for the verifier"), message);
    }

    @Test
    void aBrokenChannelIsReportedAsSuch() throws IOException {
        EOFException closed = new EOFException("the guest closed the channel");
        doThrow(closed).when(agent).readFile(anyString());

        assertSame(closed, assertThrows(IOException.class, () -> start(List.of(), GENEROUS)));
    }

    @Test
    void aBpfErrorStopsItAtOnceAndTheFailureLeadsWithTheKernelsReason() throws Exception {
        GuestScheduler scheduler = start(List.of("-e", "100"), GENEROUS);
        assertFalse(scheduler.stopped().isDone());
        assertDoesNotThrow(scheduler::failIfStopped);

        kernelLogs("sched_ext: BPF scheduler \"qmap\" disabled (scx_bpf_error)",
                "sched_ext: qmap: test triggering error");
        file(GuestScheduler.STATE_FILE, "disabled");
        file(GuestScheduler.TRACE_FILE, "# tracer: nop\n#\n"
                + "            init-1       [001] d.H..    18.668842: sched_ext_dump: init[1] triggered exit kind 1025:\n"
                + "            init-1       [001] d.H..    18.669195: sched_ext_dump:   scx_bpf_error (test triggering error)\n");
        schedulerPrints("stats  : enq=99 dsp=98\n\nDEBUG DUMP\n" + "=".repeat(80) + "\n\nCPU states\n" + "=".repeat(80)
                + "\n\nEXIT: scx_bpf_error (test triggering error)\n");
        schedulerExits(0);

        String message = failureOf(scheduler);
        assertTrue(message.startsWith("scx_bpf_error (test triggering error): sched_ext disabled scheduler 'scx_qmap'"
                + " (/opt/scx/bin/scx_qmap, from PATH) during the test\nthe scheduler exited with status 0;"
                + " /sys/kernel/sched_ext/state reads 'disabled'; sched_ext had enabled it as 'qmap'\n"), message);
        assertTrue(message.contains("its last output:\n  stats  : enq=99 dsp=98\n  \n  (DEBUG DUMP of 2 lines, attached"
                + " to the test as sched-ext-dump.txt)\n  \n  EXIT: scx_bpf_error (test triggering error)\n"), message);
        assertTrue(message.contains("sched_ext's debug dump (2 lines) is attached to the test as sched-ext-dump.txt"),
                message);
        assertTrue(message.endsWith("last guest console lines:\n  " + CONSOLE.get(0)), message);
        assertEquals(List.of("init[1] triggered exit kind 1025:", "  scx_bpf_error (test triggering error)"),
                scheduler.dump(), "the kernel's dump from the trace buffer");

        AssertionFailedError next = assertThrows(AssertionFailedError.class, scheduler::failIfStopped);
        assertEquals(message, next.getMessage(), "every later call fails the same way");
    }

    @Test
    void theWatchSeeingTheStateLeaveEnabledStopsIt() throws Exception {
        GuestScheduler scheduler = start(List.of("-t", "10"), GENEROUS);
        file(GuestScheduler.STATE_FILE, "disabled");

        watch.complete(new ExecResult(0, 0, "disabling\n".getBytes(StandardCharsets.UTF_8), new byte[0], false, false));

        assertTrue(scheduler.stopped().isDone(), "stopped before the scheduler itself noticed");
        // No kernel log here: the reason the scheduler prints on its way out stands in.
        schedulerPrints("EXIT: runnable task stall (sh[116] failed to run for 5.140s)\n");
        schedulerExits(0);
        String message = failureOf(scheduler);
        assertTrue(message.startsWith("runnable task stall (sh[116] failed to run for 5.140s): sched_ext disabled"
                + " scheduler 'scx_qmap'"), message);
        assertTrue(message.contains("the scheduler exited with status 0"), message);
    }

    @Test
    void aWatchThatWasKilledOrAChannelThatFailedIsNotTheSchedulersDoing() throws IOException {
        GuestScheduler scheduler = start(List.of(), GENEROUS);

        watch.complete(new ExecResult(-1, 9, new byte[0], new byte[0], false, false));
        process.completeExceptionally(new EOFException("the guest closed the agent channel"));

        assertFalse(scheduler.stopped().isDone());
    }

    @Test
    void theLastLookAfterTheTestFailsOnAStateTheWatchHasNotReportedYet() throws IOException {
        GuestScheduler scheduler = start(List.of(), GENEROUS);
        kernelLogs("sched_ext: BPF scheduler \"qmap\" disabled (runnable task stall)",
                "sched_ext: qmap: kworker/0:1[12] failed to run for 30.004s");
        file(GuestScheduler.STATE_FILE, "disabling");
        schedulerExits(0);

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, scheduler::checkAtEnd);

        assertTrue(failure.getMessage().startsWith("runnable task stall (kworker/0:1[12] failed to run for 30.004s):"),
                failure.getMessage());
    }

    @Test
    void aSchedulerStillInChargePassesTheLastLookAndIsNotWatchedAfterIt() throws IOException {
        GuestScheduler scheduler = start(List.of(), GENEROUS);

        scheduler.checkAtEnd();
        process.completeExceptionally(new EOFException("powered off"));
        watch.complete(new ExecResult(0, 0, "disabled\n".getBytes(StandardCharsets.UTF_8), new byte[0], false, false));

        assertFalse(scheduler.stopped().isDone(), "what the power-off does is not the test's");
    }

    @Test
    void withoutAReasonTheMessageSaysWhatBecameOfTheProcess() {
        String killed = GuestScheduler.message(SCX_QMAP, "qmap", "during the test", Optional.empty(),
                new ExecResult(-1, 11, new byte[0], new byte[0], false, false), "disabled", List.of(), 0);
        assertEquals("scheduler 'scx_qmap' (/opt/scx/bin/scx_qmap, from PATH) was killed by signal 11 during the test\n"
                + "/sys/kernel/sched_ext/state reads 'disabled'; sched_ext had enabled it as 'qmap'\nit printed nothing",
                killed);

        String dropped = GuestScheduler.message(SCX_QMAP, "qmap", "during the test", Optional.empty(), null,
                "disabled", List.of("stats: 1"), 0);
        assertEquals("scheduler 'scx_qmap' (/opt/scx/bin/scx_qmap, from PATH) is still running but sched_ext dropped it"
                + " during the test without logging a reason\n/sys/kernel/sched_ext/state reads 'disabled';"
                + " sched_ext had enabled it as 'qmap'\nits last output:\n  stats: 1", dropped);
    }
}
