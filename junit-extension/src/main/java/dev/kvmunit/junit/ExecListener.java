package dev.kvmunit.junit;

import java.util.function.BiConsumer;

/**
 * Receives a command's output while it runs. Callbacks arrive on the agent's reader thread in
 * the order the guest sent them: keep them short, and never call back into the
 * {@link Guest} and wait from inside one (the reader would be waiting for itself).
 */
public interface ExecListener {

    /** A chunk of output as the guest read it from the pipe; lines may be split across chunks. */
    void onOutput(OutputStreamKind stream, byte[] chunk);

    /** The command ended; called before the exec call returns. */
    default void onExit(ExecResult result) {
    }

    /** Delivers whole lines (without the line terminator) instead of chunks. */
    static ExecListener lines(BiConsumer<OutputStreamKind, String> lineConsumer) {
        return new LineSplitter(lineConsumer);
    }
}
