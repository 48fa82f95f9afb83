package dev.kvmunit.internal.vmm.kernel;

import java.util.List;

/** A kernel lacks configuration options a test needs; callers may turn this into a skip. */
public class MissingKernelOptionException extends KernelException {
    private final String kernel;
    private final List<String> missingOptions;

    public MissingKernelOptionException(String kernel, List<String> missingOptions, String message) {
        super(message);
        this.kernel = kernel;
        this.missingOptions = List.copyOf(missingOptions);
    }

    public String kernel() {
        return kernel;
    }

    /** Full option names, CONFIG_ prefix included. */
    public List<String> missingOptions() {
        return missingOptions;
    }
}
