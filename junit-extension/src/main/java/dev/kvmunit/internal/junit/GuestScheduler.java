package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.internal.agent.GuestAgent;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A sched_ext scheduler running in the guest for the whole test. It is started as a command of
 * its own that the host does not wait for, so its output streams back while the test runs and
 * is at hand when it fails to attach or dies.
 */
final class GuestScheduler {
    static final String STATE_FILE = "/sys/kernel/sched_ext/state";
    static final String ENABLED = "enabled";
    /** Between reads of the state file: attaching takes about a second under emulation. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** Lines of the scheduler's output kept for failure messages; the scheduler may print forever. */
    private static final int OUTPUT_LINES_KEPT = 60;

    private final ResolvedBinary binary;
    private final GuestAgent agent;
    private final CompletableFuture<ExecResult> running;
    private final Deque<String> outputTail = new ArrayDeque<>();

    private GuestScheduler(ResolvedBinary binary, GuestAgent agent, ExecRequest request) {
        this.binary = binary;
        this.agent = agent;
        this.running = agent.execAsync(request, ExecListener.lines((stream, line) -> keep(line)));
    }

    /**
     * Starts the scheduler and waits until sched_ext reports it enabled.
     *
     * @param env           environment for the scheduler (LD_LIBRARY_PATH of the binary layer)
     * @param enableTimeout how long the scheduler may take to attach
     * @throws AssertionFailedError when it exits first or is not enabled in time, with its output
     * @throws IOException          when the channel to the guest fails
     */
    static GuestScheduler start(GuestAgent agent, ResolvedBinary binary, List<String> args, Optional<String> libraryPath,
                                Duration enableTimeout) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(binary.path().toString());
        argv.addAll(args);
        ExecRequest request = ExecRequest.of(argv.toArray(String[]::new));
        if (libraryPath.isPresent()) {
            request = request.withEnv("LD_LIBRARY_PATH", libraryPath.get());
        }
        GuestScheduler scheduler = new GuestScheduler(binary, agent, request);
        scheduler.awaitEnabled(enableTimeout);
        return scheduler;
    }

    private void awaitEnabled(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            failIfEnded("before sched_ext enabled it");
            String state = state();
            if (state.equals(ENABLED)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionFailedError(binary.describe() + " was not enabled within " + timeout.toSeconds()
                        + " s: " + STATE_FILE + " reads '" + state + "'" + outputSoFar());
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted while waiting for " + binary.describe() + " to be enabled");
            }
        }
    }

    /**
     * Fails when the scheduler is no longer in charge: its process ended, or sched_ext left the
     * enabled state (the kernel ejects a scheduler that stalls tasks or breaks its rules).
     */
    void checkStillEnabled() throws IOException {
        failIfEnded("during the test");
        String state = state();
        if (!state.equals(ENABLED)) {
            throw new AssertionFailedError(binary.describe() + " is still running but " + STATE_FILE + " reads '"
                    + state + "': the kernel dropped it during the test (see the guest console for the reason)"
                    + outputSoFar());
        }
    }

    private void failIfEnded(String when) throws IOException {
        if (!running.isDone()) {
            return;
        }
        ExecResult result;
        try {
            result = running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted while reading how " + binary.describe() + " ended");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException failed) {
                throw failed;
            }
            throw new IllegalStateException("running " + binary.describe() + " failed", e.getCause());
        }
        String how = result.signal() != 0 ? "was killed by signal " + result.signal()
                : "exited with status " + result.exitCode();
        throw new AssertionFailedError(String.format("%s %s %s%nstderr:%n%s%nstdout:%n%s", binary.describe(), how, when,
                result.stderrText(), result.stdoutText()));
    }

    private String state() throws IOException {
        return new String(agent.readFile(STATE_FILE), StandardCharsets.UTF_8).strip();
    }

    private void keep(String line) {
        synchronized (outputTail) {
            if (outputTail.size() == OUTPUT_LINES_KEPT) {
                outputTail.removeFirst();
            }
            outputTail.addLast(line);
        }
    }

    private String outputSoFar() {
        synchronized (outputTail) {
            return outputTail.isEmpty() ? "; it printed nothing"
                    : "; its last output:\n" + String.join("\n", outputTail);
        }
    }
}
