package dev.kvmunit.internal.vmm.kvm;

/**
 * A KVM call failed. The message names the call and what it was for; {@link #errno()} is the
 * kernel's error number, or 0 when the failure was detected on our side.
 */
public class KvmException extends RuntimeException {
    private final int errno;

    public KvmException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public KvmException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
