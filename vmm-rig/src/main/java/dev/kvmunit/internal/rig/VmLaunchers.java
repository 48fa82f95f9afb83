package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.LocalVmLauncher;
import dev.kvmunit.internal.vmm.kernel.KernelProvisioner;
import dev.kvmunit.internal.vmm.kernel.KernelTree;
import dev.kvmunit.internal.vmm.kvm.KvmException;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.KvmUsability;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks how guests boot on this host. With a {@code /dev/kvm} that boots kernels, the engine
 * runs in this JVM. Without one (no KVM, or a paravirtual KVM such as kvm_pvm) the nested rig
 * boots an L1 kernel under QEMU TCG and runs the engine there. System property
 * {@value #PROPERTY} ({@code auto}, {@code local}, {@code rig}) overrides the choice.
 */
public final class VmLaunchers {
    public static final String PROPERTY = "kvmunit.launcher";
    static final Path KVM_DEVICE = Path.of("/dev/kvm");

    private VmLaunchers() {
    }

    /** The launcher this host should use; throws naming what is missing and how to get it. */
    public static VmLauncher forThisHost() {
        return switch (choice()) {
            case "local" -> new LocalVmLauncher();
            case "rig" -> rig();
            default -> localKvmProblem().isEmpty() ? new LocalVmLauncher() : rig();
        };
    }

    /**
     * Why no guest can boot on this host, as a sentence that says how to get there; empty when
     * {@link #forThisHost()} has a way (local KVM or the rig).
     */
    public static Optional<String> unavailableReason() {
        Optional<String> kvm = localKvmProblem();
        if (choice().equals("local")) {
            return kvm;
        }
        if ((choice().equals("rig") || kvm.isPresent()) && !Files.isExecutable(RigConfig.DEFAULT_QEMU)) {
            return Optional.of(kvm.orElse("the nested rig was requested") + " The nested rig needs "
                    + RigConfig.DEFAULT_QEMU + ": sudo apt-get install qemu-system-x86.");
        }
        return Optional.empty();
    }

    /**
     * Why this JVM cannot boot kernels on the host's own KVM, or empty when it can: opening
     * {@code /dev/kvm} names a missing device, missing permission or missing capability; a
     * device that opens may still be one that cannot run kernels (kvm_pvm).
     */
    public static Optional<String> localKvmProblem() {
        try (KvmSystem kvm = KvmSystem.open(KVM_DEVICE)) {
            return KvmUsability.ofHost().kernelBootProblem();
        } catch (KvmException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String choice() {
        String value = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        if (!value.equals("auto") && !value.equals("local") && !value.equals("rig")) {
            throw new VmLaunchException("-D" + PROPERTY + "=" + value + " is unknown: use auto, local or rig");
        }
        return value;
    }

    private static VmLauncher rig() {
        if (!Files.isExecutable(RigConfig.DEFAULT_QEMU)) {
            throw new VmLaunchException(unavailableReason().orElse("the nested rig needs " + RigConfig.DEFAULT_QEMU));
        }
        KernelTree l1 = KernelProvisioner.forCurrentUser().provisionDefault();
        Path modules = l1.modulesDir().orElseThrow(() -> new VmLaunchException(
                "the rig's L1 kernel " + l1.root() + " has no modules directory; remove it from the kernel cache"
                        + " so it is provisioned again"));
        return new RigLauncher(RigConfig.of(l1.image(), modules));
    }
}
