package dev.kvmunit.internal.vmm.memory;

/**
 * A guest-physical access that falls outside guest RAM. Raised for addresses that come
 * from the guest, so device code catches it and fails the device, never the JVM.
 */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
