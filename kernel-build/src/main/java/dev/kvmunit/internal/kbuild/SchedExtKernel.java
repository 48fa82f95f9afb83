package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.Apt;
import dev.kvmunit.internal.vmm.kernel.CommandRunner;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;

import java.util.List;
import java.util.function.Consumer;

/**
 * kvmunit's sched_ext kernel, the kernel named {@value #NAME} ({@code @VmTest(kernel = "sched-ext")},
 * {@code kvmunit boot --kernel sched-ext}, and the default of tests with a scheduler): Debian's
 * {@code linux-source-6.12} built with kvmunit's fragment, with its schedulers. The first use on a
 * machine builds it (minutes, with progress lines); later uses, in this JVM or any other, take it
 * from the {@link KernelBuildCache}.
 */
public final class SchedExtKernel {
    /** The kernel name that selects this kernel. */
    public static final String NAME = "sched-ext";

    private static BuiltKernel built;

    private SchedExtKernel() {
    }

    /**
     * The built kernel, building it first if the cache does not have it; the answer is kept for
     * this JVM, so later tests do not ask apt again.
     *
     * @param progress gets the build's progress lines
     */
    public static synchronized BuiltKernel ensureBuilt(Consumer<String> progress) {
        if (built == null || !built.isComplete()) {
            built = buildInto(KernelBuildCache.forCurrentUser(), progress);
        }
        return built;
    }

    /** This kernel from {@code cache}, built there first if missing; no memo (the benchmark times both). */
    static BuiltKernel buildInto(KernelBuildCache cache, Consumer<String> progress) {
        CommandRunner commands = CommandRunner.processes();
        Apt apt = new Apt(commands, "build a kernel tree with `kvmunit kernel build --source DIR` and boot its"
                + " bzImage (-Dkvmunit.kernel=...)");
        return new KernelBuild(cache, commands, progress).build(DebianKernelSource.candidate(apt),
                List.of(Fragment.builtin()));
    }

    /** {@link #ensureBuilt} as the kernel a VM boots. */
    public static ResolvedKernel resolve(Consumer<String> progress) {
        BuiltKernel kernel = ensureBuilt(progress);
        return kernel.resolved("kvmunit's " + NAME + " kernel (build " + kernel.key() + ")");
    }
}
