package dev.kvmunit.internal.vmm.launch;

/**
 * Receives what a running guest produces, as it is produced. Called from VMM threads:
 * implementations must be quick and thread-safe.
 */
public interface VmListener {
    /** Bytes the guest wrote to its console (COM1 or hvc0). */
    default void onConsole(byte[] data) {
    }

    /** Nothing to listen to. */
    VmListener NONE = new VmListener() {
    };
}
