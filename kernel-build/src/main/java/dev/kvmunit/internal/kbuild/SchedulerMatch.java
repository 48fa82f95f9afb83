package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a scheduler binary may run on the kernel a guest boots. A sched_ext scheduler's BPF
 * programs are compiled against one kernel's BTF, so one from a kernel build's
 * {@code schedulers/} directory runs only on that build's kernel; binaries from elsewhere (PATH,
 * the project's build output) are the user's responsibility and pass.
 */
public final class SchedulerMatch {
    private SchedulerMatch() {
    }

    /**
     * @throws KernelBuildException when binary comes from a kernel build other than the booting
     *                              kernel's, naming both releases and both kernels
     */
    public static void require(String name, Path binary, ResolvedKernel booting) {
        Optional<BuiltKernel> from = BuiltKernel.ofScheduler(binary);
        if (from.isEmpty()) {
            return;
        }
        Optional<BuiltKernel> boots = BuiltKernel.ofImage(booting.image());
        if (boots.isPresent() && boots.get().directory().equals(from.get().directory())) {
            return;
        }
        throw new KernelBuildException("scheduler '" + name + "' (" + binary + ") was built for kernel "
                + from.get().schedulersRelease() + " (kernel build " + from.get().key() + "), but the guest boots kernel "
                + booting.release() + " (" + booting.image() + ", chosen by " + booting.origin() + "); its BPF programs"
                + " only fit the kernel they were compiled against. Boot " + from.get().image()
                + ", or take the scheduler of the booting kernel's build");
    }
}
