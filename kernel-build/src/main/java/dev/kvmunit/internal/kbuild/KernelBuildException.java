package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.KernelException;

/**
 * A kernel build could not start or failed: bad input (a source that is no kernel tree, a
 * fragment line or option that is wrong), a missing tool, or a failed step. The message names
 * what is at fault and what to do; for a failed step it names the step, ends with the last
 * lines of its log and says where the log was kept.
 */
public class KernelBuildException extends KernelException {
    public KernelBuildException(String message) {
        super(message);
    }

    public KernelBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
