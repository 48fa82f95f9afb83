package dev.kvmunit.internal.vmm.virtio;

/**
 * Receives what the guest does with one console port. Called on the thread that drove the
 * device (a vCPU or the ioeventfd poller) with the device locked: copy or hand off and
 * return quickly, never block (in particular never {@link ConsolePort#send} from here).
 */
@FunctionalInterface
public interface ConsolePortListener {
    /** Bytes the guest wrote to the port, in order; {@code data} is the listener's to keep. */
    void received(byte[] data);

    /** The guest opened ({@code true}) or closed the port's device file. */
    default void guestOpenChanged(boolean open) {
    }
}
