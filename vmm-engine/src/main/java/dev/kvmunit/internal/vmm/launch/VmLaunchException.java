package dev.kvmunit.internal.vmm.launch;

/** A VM could not be started; the message names the input at fault and the fix. */
public class VmLaunchException extends RuntimeException {
    public VmLaunchException(String message) {
        super(message);
    }

    public VmLaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
