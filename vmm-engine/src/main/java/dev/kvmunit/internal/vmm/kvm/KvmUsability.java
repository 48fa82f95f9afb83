package dev.kvmunit.internal.vmm.kvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Tells whether this host's {@code /dev/kvm} can boot an unmodified Linux kernel. A working
 * KVM API is not enough: {@code kvm_pvm} (a paravirtual hypervisor found on some cloud
 * machine kinds) runs small guest programs but emulates guest ring-0 code and kills a stock
 * kernel in early boot after tens of seconds. Spotting it up front turns that silent hang
 * into one sentence with the way out.
 *
 * <p>Looks only at {@code <sysfs>/module}: a module that is loaded (or built in with
 * parameters) has a directory there.
 */
public final class KvmUsability {
    private final Path sysfsRoot;

    /** @param sysfsRoot where sysfs is mounted; tests pass a directory they built */
    public KvmUsability(Path sysfsRoot) {
        this.sysfsRoot = sysfsRoot;
    }

    /** The usability of this host, read from {@code /sys}. */
    public static KvmUsability ofHost() {
        return new KvmUsability(Path.of("/sys"));
    }

    /**
     * Why unmodified kernels cannot boot on this host's KVM, as one sentence with the way
     * out; empty when nothing is known to be wrong.
     */
    public Optional<String> kernelBootProblem() {
        boolean pvm = moduleLoaded("kvm_pvm");
        boolean hardware = moduleLoaded("kvm_intel") || moduleLoaded("kvm_amd");
        if (pvm && !hardware) {
            return Optional.of("/dev/kvm on this host is kvm_pvm, a paravirtual hypervisor that cannot boot"
                    + " unmodified Linux kernels: run on a host with hardware virtualization (kvm_intel/kvm_amd),"
                    + " or run through the nested rig, see docs/nested-rig.md.");
        }
        return Optional.empty();
    }

    public boolean canBootUnmodifiedKernels() {
        return kernelBootProblem().isEmpty();
    }

    private boolean moduleLoaded(String name) {
        return Files.isDirectory(sysfsRoot.resolve("module").resolve(name));
    }
}
