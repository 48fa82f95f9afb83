package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

/** What a {@link VirtioDevice} may ask of the transport it is plugged into. */
public interface VirtioDeviceContext {
    GuestMemory memory();

    /** The queue the driver made ready at {@code index}, or null if it has not. */
    Virtqueue queue(int index);

    /** New chains are in {@code queue}'s used ring: interrupt the driver unless it suppressed that. */
    void usedBuffersAdded(Virtqueue queue);

    /**
     * Runs host-initiated device work (data arriving for the guest) under the transport's
     * lock, if the driver has set DRIVER_OK and the device has not failed. A protocol
     * violation found meanwhile fails the device instead of propagating. Returns whether
     * {@code work} ran.
     */
    boolean runWhileActive(Runnable work);
}
