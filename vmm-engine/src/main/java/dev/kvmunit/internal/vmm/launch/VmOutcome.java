package dev.kvmunit.internal.vmm.launch;

/**
 * How a guest run ended. The CLI maps each to its own exit code.
 */
public enum VmOutcome {
    /** The guest reset or powered off by itself (i8042 reset under {@code reboot=k}, shutdown event). */
    CLEAN_EXIT(0),
    /** The guest kernel panicked; the detail is the panic headline, then the kernel's report. */
    PANIC(2),
    /** The wall-clock timeout expired and the VM was torn down. */
    TIMEOUT(3),
    /** KVM or the VMM failed (internal error, failed entry, triple fault, device error). */
    VMM_ERROR(4);

    private final int exitCode;

    VmOutcome(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The process exit code the CLI uses for this outcome. */
    public int exitCode() {
        return exitCode;
    }
}
