package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.agent.GuestAgent;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * Commands get the library directories of the probes, after any the test chose itself; and a
 * scheduler that stops fails the call in progress, and every later one, at once.
 */
class AgentGuestTest {
    private static final String SCHEDULER_FAILURE = "scx_bpf_error (test triggering error): sched_ext disabled"
            + " scheduler 'scx_qmap' during the test";

    private final VmSession session = mock(VmSession.class);
    private final AgentGuest guest = new AgentGuest(session);

    @Test
    void withoutExtraLibrariesTheRequestIsUnchanged() {
        when(session.libraryPath()).thenReturn(Optional.empty());
        ExecRequest request = ExecRequest.of("stress-ng", "--version");

        assertSame(request, guest.withLibraryPath(request));
    }

    @Test
    void extraLibrariesAreAddedBehindTheTestsOwnChoice() {
        when(session.libraryPath()).thenReturn(Optional.of("/usr/local/lib:/opt/probe/lib"));

        assertEquals(Map.of("LD_LIBRARY_PATH", "/usr/local/lib:/opt/probe/lib"),
                guest.withLibraryPath(ExecRequest.of("fio")).env());
        assertEquals(Map.of("LD_LIBRARY_PATH", "/mine:/usr/local/lib:/opt/probe/lib", "X", "1"),
                guest.withLibraryPath(ExecRequest.of("fio").withEnv("LD_LIBRARY_PATH", "/mine").withEnv("X", "1")).env());
    }

    @Test
    void anExecStillRunningWhenTheSchedulerStopsFailsAtOnceAndSoDoesTheNextCall() throws IOException {
        GuestAgent agent = guestWithScheduler();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        GuestScheduler scheduler = session.scheduler().orElseThrow();
        when(scheduler.stopped()).thenReturn(stopped);
        doAnswer(call -> {
            if (stopped.isDone()) {
                throw new AssertionFailedError(SCHEDULER_FAILURE);
            }
            return null;
        }).when(scheduler).failIfStopped();
        when(agent.execAsync(any(), any())).thenReturn(new CompletableFuture<>());
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> stopped.complete(null));

        AssertionFailedError inProgress = assertThrows(AssertionFailedError.class, () -> guest.exec("sleep", "600"));
        AssertionFailedError next = assertThrows(AssertionFailedError.class, () -> guest.readFile("/etc/hostname"));

        assertEquals(SCHEDULER_FAILURE, inProgress.getMessage());
        assertEquals(SCHEDULER_FAILURE, next.getMessage());
        verify(agent, never()).readFile(anyString());
    }

    @Test
    void anExecThatEndsWhileTheSchedulerRunsReturnsItsResult() {
        GuestAgent agent = guestWithScheduler();
        when(session.scheduler().orElseThrow().stopped()).thenReturn(new CompletableFuture<>());
        ExecResult done = new ExecResult(0, 0, "ext.enabled : 1\n".getBytes(StandardCharsets.UTF_8), new byte[0],
                false, false);
        when(agent.execAsync(any(), any())).thenReturn(CompletableFuture.completedFuture(done));

        assertSame(done, guest.exec("grep", "ext.enabled", "/proc/self/sched"));
    }

    private GuestAgent guestWithScheduler() {
        GuestAgent agent = mock(GuestAgent.class);
        when(session.agent()).thenReturn(agent);
        when(session.libraryPath()).thenReturn(Optional.empty());
        when(session.scheduler()).thenReturn(Optional.of(mock(GuestScheduler.class)));
        return agent;
    }
}
