package dev.kvmunit.internal.agent;

import dev.kvmunit.junit.ExecResult;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** A command started with {@link GuestAgent#start}: its eventual result, and control over it. */
public final class RunningCommand {
    /** SIGTERM, the polite request to stop. */
    public static final int SIGTERM = 15;
    /** SIGKILL, which cannot be caught. */
    public static final int SIGKILL = 9;

    private final GuestAgent agent;
    private final int requestId;
    private final CompletableFuture<ExecResult> result;

    RunningCommand(GuestAgent agent, int requestId, CompletableFuture<ExecResult> result) {
        this.agent = agent;
        this.requestId = requestId;
        this.result = result;
    }

    /**
     * Completes with the result when the command ends, or exceptionally with a
     * {@link GuestException} (it could not be started) or an {@link IOException} (the channel failed).
     */
    public CompletableFuture<ExecResult> result() {
        return result;
    }

    /** The request id the command runs under, as it appears in the transcript. */
    public int requestId() {
        return requestId;
    }

    /**
     * Sends a signal to the command's process group (the command and what it started).
     *
     * @param signal Linux signal number, 1-64
     * @return false when the command had already ended; true when the guest still knew it
     *         (a command that exited just before may still report a normal exit)
     */
    public boolean signal(int signal) throws IOException {
        if (result.isDone()) {
            return false;
        }
        return agent.signal(requestId, signal);
    }

    @Override
    public String toString() {
        return "RunningCommand[id=" + Integer.toUnsignedString(requestId) + (result.isDone() ? ", ended]" : "]");
    }
}
