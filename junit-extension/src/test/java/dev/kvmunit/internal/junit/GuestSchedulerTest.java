package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.internal.agent.GuestAgent;
import dev.kvmunit.junit.OutputStreamKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.opentest4j.AssertionFailedError;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * Starting a scheduler against a stand-in for the channel to the guest init: the guest side
 * (a sched_ext kernel) cannot run on this machine, the decisions made from its answers can.
 */
class GuestSchedulerTest {
    private static final ResolvedBinary SCX_SIMPLE = new ResolvedBinary("scheduler", "scx_simple",
            Path.of("/opt/scx/bin/scx_simple"), "PATH");
    private static final Duration GENEROUS = Duration.ofMinutes(5);

    private final GuestAgent agent = mock(GuestAgent.class);
    private final CompletableFuture<ExecResult> process = new CompletableFuture<>();
    private final ArgumentCaptor<ExecRequest> request = ArgumentCaptor.forClass(ExecRequest.class);
    private final ArgumentCaptor<ExecListener> listener = ArgumentCaptor.forClass(ExecListener.class);

    @BeforeEach
    void guestRunsTheScheduler() {
        when(agent.execAsync(request.capture(), listener.capture())).thenReturn(process);
    }

    private void stateReads(String first, String... then) throws IOException {
        byte[][] rest = new byte[then.length][];
        for (int i = 0; i < then.length; i++) {
            rest[i] = (then[i] + "\n").getBytes(StandardCharsets.UTF_8);
        }
        when(agent.readFile(GuestScheduler.STATE_FILE)).thenReturn((first + "\n").getBytes(StandardCharsets.UTF_8), rest);
    }

    private void schedulerPrints(String text) {
        listener.getValue().onOutput(OutputStreamKind.STDOUT, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void startsTheHostPathWithItsArgumentsAndLibraryPathAndWaitsForEnabled() throws IOException {
        stateReads("disabled", "enabling", "enabled");

        GuestScheduler.start(agent, SCX_SIMPLE, List.of("-s", "20000"), Optional.of("/opt/scx/lib"), GENEROUS);

        assertEquals(List.of("/opt/scx/bin/scx_simple", "-s", "20000"), request.getValue().argv());
        assertEquals(Map.of("LD_LIBRARY_PATH", "/opt/scx/lib"), request.getValue().env());
        assertEquals(Duration.ZERO, request.getValue().timeout(), "the scheduler runs until the guest powers off");
    }

    @Test
    void aSchedulerThatExitsBeforeAttachingFailsWithItsStatusAndOutput() throws IOException {
        stateReads("disabled");
        process.complete(new ExecResult(1, 0, "loading\n".getBytes(StandardCharsets.UTF_8),
                "libbpf: failed to load BPF skeleton\n".getBytes(StandardCharsets.UTF_8), false, false));

        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), GENEROUS));

        String message = failure.getMessage();
        assertTrue(message.startsWith("scheduler 'scx_simple' (/opt/scx/bin/scx_simple, from PATH) exited with status 1"
                + " before sched_ext enabled it"), message);
        assertTrue(message.contains("libbpf: failed to load BPF skeleton") && message.contains("loading"), message);
    }

    @Test
    void aSchedulerNeverEnabledInTimeFailsWithTheStateAndItsOutputSoFar() throws IOException {
        when(agent.readFile(GuestScheduler.STATE_FILE)).thenAnswer(call -> {
            schedulerPrints("waiting for the verifier\n");
            return "disabled\n".getBytes(StandardCharsets.UTF_8);
        });

        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), Duration.ZERO));

        String message = failure.getMessage();
        assertTrue(message.contains("was not enabled within 0 s: /sys/kernel/sched_ext/state reads 'disabled'"), message);
        assertTrue(message.contains("its last output:\nwaiting for the verifier"), message);
    }

    @Test
    void aBrokenChannelIsReportedAsSuch() throws IOException {
        EOFException closed = new EOFException("the guest closed the channel");
        when(agent.readFile(GuestScheduler.STATE_FILE)).thenThrow(closed);

        IOException thrown = assertThrows(IOException.class,
                () -> GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), GENEROUS));

        assertSame(closed, thrown);
    }

    @Test
    void aSchedulerTheKernelDroppedDuringTheTestFailsIt() throws IOException {
        stateReads("enabled", "disabled");
        GuestScheduler scheduler = GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), GENEROUS);
        schedulerPrints("EXIT: runnable task stall\n");

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, scheduler::checkStillEnabled);

        assertTrue(failure.getMessage().contains("is still running but /sys/kernel/sched_ext/state reads 'disabled'"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("EXIT: runnable task stall"), failure.getMessage());
    }

    @Test
    void aSchedulerThatDiedDuringTheTestFailsIt() throws IOException {
        stateReads("enabled");
        GuestScheduler scheduler = GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), GENEROUS);
        process.complete(new ExecResult(-1, 11, new byte[0], new byte[0], false, false));

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, scheduler::checkStillEnabled);

        assertTrue(failure.getMessage().contains("was killed by signal 11 during the test"), failure.getMessage());
    }

    @Test
    void aSchedulerStillInChargePassesTheCheck() throws IOException {
        stateReads("enabled");
        GuestScheduler scheduler = GuestScheduler.start(agent, SCX_SIMPLE, List.of(), Optional.empty(), GENEROUS);

        scheduler.checkStillEnabled();

        verify(agent, times(2)).readFile(GuestScheduler.STATE_FILE);
    }
}
