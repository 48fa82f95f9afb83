package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;

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
        try {
            return session.agent().exec(withLibraryPath(request));
        } catch (IOException e) {
            throw session.failure("exec " + request.argv() + " failed", e);
        }
    }

    @Override
    public ExecResult exec(ExecRequest request, ExecListener listener) {
        try {
            return session.agent().exec(withLibraryPath(request), listener);
        } catch (IOException e) {
            throw session.failure("exec " + request.argv() + " failed", e);
        }
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
