package dev.kvmunit.internal.vmm.kernel;

/**
 * A kernel could not be found, fetched, unpacked or inspected. The message names the input
 * at fault (file, package, option, environment variable) and what to do about it.
 */
public class KernelException extends RuntimeException {
    public KernelException(String message) {
        super(message);
    }

    public KernelException(String message, Throwable cause) {
        super(message, cause);
    }
}
