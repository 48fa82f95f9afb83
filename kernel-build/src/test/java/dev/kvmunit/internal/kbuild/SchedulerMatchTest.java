package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerMatchTest {
    @TempDir
    Path cache;

    @Test
    void aBuildKnowsItsFilesReleaseAndSchedulers() throws IOException {
        BuiltKernel build = BuiltKernels.write(cache.resolve("a5de31a6163ec87e"), "6.12.118",
                List.of("scx_simple", "scx_central"));

        assertEquals("a5de31a6163ec87e", build.key());
        assertEquals("6.12.118", build.release());
        assertEquals("6.12.118", build.schedulersRelease());
        assertEquals(List.of("scx_central", "scx_simple"), build.schedulers());
        ResolvedKernel kernel = build.resolved("test");
        assertEquals(build.image(), kernel.image());
        assertTrue(kernel.config().orElseThrow().isBuiltin("SCHED_CLASS_EXT"));
        assertEquals(Optional.of(build), BuiltKernel.ofImage(build.image()));
        assertEquals(Optional.of(build), BuiltKernel.ofScheduler(build.schedulersDirectory().resolve("scx_simple")));
        assertEquals(Optional.empty(), BuiltKernel.ofImage(Path.of("/boot/vmlinuz-6.12.118")));
        assertEquals(Optional.empty(), BuiltKernel.ofScheduler(Path.of("/usr/bin/scx_simple")));
    }

    @Test
    void aSchedulerOfAnotherBuildIsRefusedNamingBothKernels() throws IOException {
        BuiltKernel old = BuiltKernels.write(cache.resolve("1111111111111111"), "6.12.117", List.of("scx_simple"));
        BuiltKernel booting = BuiltKernels.write(cache.resolve("2222222222222222"), "6.12.118", List.of("scx_simple"));
        Path scheduler = old.schedulersDirectory().resolve("scx_simple");

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> SchedulerMatch.require("scx_simple", scheduler, booting.resolved("@VmTest")));

        assertTrue(e.getMessage().startsWith("scheduler 'scx_simple' (" + scheduler + ") was built for kernel 6.12.117"
                + " (kernel build 1111111111111111), but the guest boots kernel 6.12.118 (" + booting.image()
                + ", chosen by @VmTest)"), e.getMessage());
    }

    @Test
    void aSchedulerOfAnotherBuildIsRefusedOnAKernelThatIsNoBuildToo() throws IOException {
        BuiltKernel build = BuiltKernels.write(cache.resolve("1111111111111111"), "6.12.118", List.of("scx_simple"));
        ResolvedKernel own = new ResolvedKernel(Path.of("/src/linux/arch/x86/boot/bzImage"), "6.12.118", Optional.empty(),
                Optional.empty(), "system property kvmunit.kernel");

        assertThrows(KernelBuildException.class,
                () -> SchedulerMatch.require("scx_simple", build.schedulersDirectory().resolve("scx_simple"), own));
    }

    @Test
    void theBuildsOwnSchedulerAndBinariesFromElsewherePass() throws IOException {
        BuiltKernel build = BuiltKernels.write(cache.resolve("2222222222222222"), "6.12.118", List.of("scx_simple"));
        ResolvedKernel kernel = build.resolved("@VmTest");

        assertDoesNotThrow(() -> SchedulerMatch.require("scx_simple", build.schedulersDirectory().resolve("scx_simple"),
                kernel));
        assertDoesNotThrow(() -> SchedulerMatch.require("scx_simple", Path.of("/usr/local/bin/scx_simple"), kernel));
    }
}
