package dev.kvmunit.internal.vmm.virtio;

/**
 * The guest's driver broke the virtio protocol: a bad queue size, a descriptor that points
 * outside guest RAM, a loop in a descriptor chain, a malformed control message. Thrown inside
 * queue and device code only; the transport catches it, marks the device
 * {@code DEVICE_NEEDS_RESET} and reports the message, so it never reaches a vCPU thread.
 */
public final class VirtioProtocolException extends RuntimeException {
    public VirtioProtocolException(String message) {
        super(message);
    }

    static VirtioProtocolException of(String format, Object... args) {
        return new VirtioProtocolException(String.format(format, args));
    }
}
