package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.boot.BzImage;
import dev.kvmunit.internal.vmm.boot.KernelImage;
import dev.kvmunit.internal.vmm.kernel.Apt;
import dev.kvmunit.internal.vmm.kernel.CommandRunner;
import dev.kvmunit.internal.vmm.kernel.KernelConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Really builds kvmunit's sched_ext kernel and schedulers from Debian's linux-source-6.12 into a
 * temporary cache, then asks again and gets the cached build. Takes minutes (about 7 on an idle
 * 2-core machine, far more on a loaded one) and several GB of disk, so it runs only with
 * {@code -Dkvmunit.test.kernelBuild=true}; the sched_ext tests of junit-extension build the same
 * kernel (into the user's cache) anyway. Needs apt with Debian's lists and the build tools.
 */
@Tag("kernel-build")
@EnabledIf("buildAllowed")
class DebianKernelBuildTest {

    static boolean buildAllowed() {
        return Boolean.getBoolean("kvmunit.test.kernelBuild");
    }

    @Test
    void buildsTheSchedExtKernelAndItsSchedulersOnceThenFindsThem(@TempDir Path cacheDir) throws IOException {
        List<String> progress = new ArrayList<>();
        CommandRunner commands = CommandRunner.processes();
        KernelBuild build = new KernelBuild(new KernelBuildCache(cacheDir), commands, line -> {
            progress.add(line);
            System.out.println(line);
        });
        KernelSource source = DebianKernelSource.candidate(new Apt(commands, "use --source"));

        BuiltKernel built = build.build(source, List.of(Fragment.builtin()));

        assertTrue(built.release().startsWith("6.12."), built.release());
        assertTrue(KernelImage.load(built.image()) instanceof BzImage, "bzImage must be a bzImage");
        assertTrue(Files.size(built.vmlinux()) > 10_000_000, "vmlinux with debug info and BTF");
        KernelConfig config = KernelConfig.read(built.release(), built.config());
        for (String option : List.of("SCHED_CLASS_EXT", "DEBUG_INFO_BTF", "BPF_JIT", "VIRTIO_MMIO", "VIRTIO_CONSOLE",
                "PVH", "RD_LZ4", "NUMA")) {
            assertTrue(config.isBuiltin(option), option);
        }
        assertEquals(List.of("scx_central", "scx_flatcg", "scx_qmap", "scx_simple"), built.schedulers());
        assertEquals(built.release(), built.schedulersRelease());
        assertTrue(progress.stream().anyMatch(l -> l.matches("\\[kernel \\d+% \\d+:\\d\\d] .*")), progress.toString());
        assertTrue(progress.get(progress.size() - 1).startsWith("kernel build " + built.key() + " ("),
                progress.get(progress.size() - 1));

        progress.clear();
        long start = System.nanoTime();
        BuiltKernel again = build.build(source, List.of(Fragment.builtin()));

        assertEquals(built, again);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 30, "a cache hit takes seconds");
        assertEquals(1, progress.size(), progress.toString());
    }
}
