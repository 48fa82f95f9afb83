package dev.kvmunit.internal.vmm.virtio;

/**
 * A virtio device type (console, block, ...) as the transport sees it. The transport owns
 * registers, feature negotiation, status and queue setup; the device owns its config space
 * and what its queues mean.
 *
 * <p>All methods are called with the transport locked, from a vCPU thread, the ioeventfd
 * poller or a host thread via {@link VirtioDeviceContext#runWhileActive}. Exceptions they
 * throw (a {@link VirtioProtocolException} for a misbehaving driver) fail the device;
 * they never reach the caller's thread.
 */
public interface VirtioDevice {
    /** Device type id (virtio 1.x section 5): 3 for a console. */
    int deviceId();

    /** Device-specific feature bits offered; the transport adds the ring and version bits. */
    long deviceFeatures();

    int queueCount();

    /** QueueNumMax of every queue: a power of two, at most {@link Virtqueue#MAX_SIZE}. */
    int maxQueueSize();

    /** Called once, by the transport's constructor. */
    void attach(VirtioDeviceContext context);

    /** The driver reads device config space; {@code offset} is relative to its start. */
    void readConfig(int offset, byte[] data);

    /** The driver writes device config space; {@code offset} is relative to its start. */
    void writeConfig(int offset, byte[] data);

    /** The driver set DRIVER_OK with these negotiated features; queues may now be used. */
    void activate(long features);

    /** The driver notified queue {@code queueIndex} (which is ready) of new buffers. */
    void queueNotified(int queueIndex);

    /** The driver reset the device: forget all driver-side state. */
    void reset();
}
