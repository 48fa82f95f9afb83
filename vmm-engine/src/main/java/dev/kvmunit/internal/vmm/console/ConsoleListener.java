package dev.kvmunit.internal.vmm.console;

/** Receives console output line by line, in order, on the thread that produced it. */
public interface ConsoleListener {
    /** A complete line without its terminator. Must be quick: the guest waits meanwhile. */
    void onLine(String line);

    /** The console ended (the VM stopped); no more lines follow. */
    default void onEnd() {
    }
}
