package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@link Guest} over the guest init's channel; broken conversations become test failures. */
final class AgentGuest implements Guest {
    private static final String LD_LIBRARY_PATH = "LD_LIBRARY_PATH";
    private final VmSession session;

    AgentGuest(VmSession session) {
        this.session = session;
    }

    @Override
    public String kernelRelease() {
        return session.hello().kernelRelease();
    }

    @Override
    public String resolvedKernelRelease() {
        return session.kernel().release();
    }

    @Override
    public int cpus() {
        return session.hello().cpusOnline();
    }

    @Override
    public long memoryBytes() {
        return session.hello().memoryBytes();
    }

    @Override
    public ExecResult exec(ExecRequest request) {
        return exec(request, null);
    }

    /**
     * Runs the command, but fails as soon as the test's scheduler stops being in charge, with
     * the scheduler's failure: a test must not run on under the kernel's own scheduler and
     * fail, if at all, much later. The abandoned command is left to the power-off.
     */
    @Override
    public ExecResult exec(ExecRequest request, ExecListener listener) {
        failIfSchedulerStopped();
        CompletableFuture<ExecResult> running = session.agent().execAsync(withLibraryPath(request), listener);
        try {
            Optional<GuestScheduler> scheduler = session.scheduler();
            if (scheduler.isPresent()) {
                CompletableFuture.anyOf(running, scheduler.get().stopped()).exceptionally(error -> null).get();
                if (!running.isDone()) {
                    scheduler.get().failIfStopped();
                }
            }
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw session.failure("exec " + request.argv() + " failed",
                    new InterruptedIOException("interrupted while waiting for the guest"));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw session.failure("exec " + request.argv() + " failed", io);
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("exec " + request.argv() + " failed", e.getCause());
        }
    }

    /** The next call fails at once once the scheduler stopped. */
    private void failIfSchedulerStopped() {
        session.scheduler().ifPresent(GuestScheduler::failIfStopped);
    }

    /**
     * Adds the directories of the probes' libraries that the guest loader would not search
     * (see {@link BinaryLayer}) behind any LD_LIBRARY_PATH the test set itself, so the test's
     * own choice still comes first.
     */
    ExecRequest withLibraryPath(ExecRequest request) {
        if (session.libraryPath().isEmpty()) {
            return request;
        }
        String ours = session.libraryPath().get();
        String theirs = request.env().get(LD_LIBRARY_PATH);
        return request.withEnv(LD_LIBRARY_PATH, theirs == null || theirs.isEmpty() ? ours : theirs + ":" + ours);
    }

    @Override
    public ExecResult run(String... argv) {
        ExecResult result = exec(argv);
        if (!result.succeeded()) {
            String how = result.timedOut() ? "timed out" : result.signal() != 0 ? "was killed by signal "
                    + result.signal() : "exited with status " + result.exitCode();
            throw new AssertionFailedError(String.format("guest command %s %s%nstderr:%n%s%nstdout:%n%s",
                    String.join(" ", argv), how, result.stderrText(), result.stdoutText()));
        }
        return result;
    }

    @Override
    public byte[] readFile(String path) {
        failIfSchedulerStopped();
        try {
            return session.agent().readFile(path);
        } catch (IOException e) {
            throw session.failure("reading " + path + " in the guest failed", e);
        }
    }

    @Override
    public void writeFile(String path, byte[] content) {
        writeFile(path, content, 0644);
    }

    @Override
    public void writeFile(String path, byte[] content, int mode) {
        failIfSchedulerStopped();
        try {
            session.agent().writeFile(path, content, mode);
        } catch (IOException e) {
            throw session.failure("writing " + path + " in the guest failed", e);
        }
    }

    @Override
    public String console() {
        return session.consoleText();
    }
}
