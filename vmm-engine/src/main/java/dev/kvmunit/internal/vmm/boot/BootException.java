package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.launch.VmLaunchException;

/**
 * Guest memory cannot be prepared for boot with the given inputs (command line too long,
 * initramfs does not fit, RAM too small for the kernel). The message names the input and
 * what would make it fit.
 */
public class BootException extends VmLaunchException {
    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
