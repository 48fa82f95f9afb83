package dev.kvmunit.internal.vmm.launch;

/**
 * Boots guests. One implementation runs the VMM in this JVM on {@code /dev/kvm}; another
 * drives a VMM inside a nested rig when this host's KVM cannot run kernels itself.
 */
public interface VmLauncher extends AutoCloseable {
    /**
     * Boots the guest and returns while it runs. Never throws for anything the guest does;
     * throws {@link VmLaunchException} when the VM could not be created (bad kernel, no KVM,
     * rig down).
     */
    RunningVm start(VmSpec spec, VmListener listener);

    /** Boots the guest and blocks until it exits, times out or fails. */
    default VmResult run(VmSpec spec, VmListener listener) {
        try (RunningVm vm = start(spec, listener)) {
            return vm.awaitExit();
        }
    }

    @Override
    default void close() {
    }
}
