package dev.kvmunit.vmm.rig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether guests should boot through the nested rig on this host: when {@code /dev/kvm} is
 * missing or is PVM ({@code kvm_pvm}, which runs the KVM API but not unmodified kernels), or
 * when forced with {@code -Dkvmunit.rig=true}.
 */
public final class RigAvailability {
    /** System property that forces the rig even where the host's KVM could boot kernels. */
    public static final String FORCE_PROPERTY = "kvmunit.rig";

    private RigAvailability() {
    }

    public static boolean needed() {
        return Boolean.getBoolean(FORCE_PROPERTY) || !hostKvmBootsKernels();
    }

    /** False for no {@code /dev/kvm} and for PVM, whose guests die in early kernel boot. */
    public static boolean hostKvmBootsKernels() {
        return Files.exists(Path.of("/dev/kvm")) && !Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
    }

    /** The rig needs QEMU on the host to run L1. */
    public static boolean possible(Path qemu) {
        return Files.isExecutable(qemu);
    }
}
