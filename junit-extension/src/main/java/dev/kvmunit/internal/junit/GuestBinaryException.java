package dev.kvmunit.internal.junit;

/**
 * A probe or scheduler binary cannot be put in the guest: it was not found, is not a file, or is
 * not an x86_64 program whose libraries are all on this host. The message names the binary,
 * where it was looked for, and the fix.
 */
public final class GuestBinaryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GuestBinaryException(String message) {
        super(message);
    }

    GuestBinaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
