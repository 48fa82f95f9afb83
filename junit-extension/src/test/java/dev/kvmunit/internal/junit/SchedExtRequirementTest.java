package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.kernel.KernelConfig;
import dev.kvmunit.internal.vmm.kernel.MissingKernelOptionException;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A scheduler test on a kernel without sched_ext fails before booting, saying how to get one. */
class SchedExtRequirementTest {
    private static final ResolvedBinary SCX_SIMPLE = new ResolvedBinary("scheduler", "scx_simple",
            Path.of("/usr/local/bin/scx_simple"), "PATH");

    private static ResolvedKernel kernelWith(String... configLines) {
        KernelConfig config = KernelConfig.parse("6.12.57+deb12-cloud-amd64", "config-6.12.57+deb12-cloud-amd64",
                List.of(configLines));
        return new ResolvedKernel(Path.of("/boot/vmlinuz-6.12.57+deb12-cloud-amd64"), "6.12.57+deb12-cloud-amd64",
                Optional.empty(), Optional.of(config), "the host's kernel");
    }

    @Test
    void aKernelWithoutSchedExtIsRefusedNamingTheOptionTheKernelAndTheFix() {
        ResolvedKernel debian = kernelWith("CONFIG_BPF_SYSCALL=y", "# CONFIG_SCHED_CLASS_EXT is not set");

        MissingKernelOptionException e = assertThrows(MissingKernelOptionException.class,
                () -> VmTestExtension.requireSchedExt(debian, SCX_SIMPLE));

        assertEquals(List.of("CONFIG_SCHED_CLASS_EXT"), e.missingOptions());
        assertEquals("6.12.57+deb12-cloud-amd64", e.kernel());
        String message = e.getMessage();
        assertTrue(message.startsWith("scheduler 'scx_simple' (/usr/local/bin/scx_simple, from PATH) needs a sched_ext"
                + " kernel, but kernel 6.12.57+deb12-cloud-amd64 lacks CONFIG_SCHED_CLASS_EXT"), message);
        assertTrue(message.contains("@VmTest(kernel = \"sched-ext\")"), message);
    }

    @Test
    void aKernelWithoutAKnownConfigCannotProveSchedExt() {
        ResolvedKernel unknown = new ResolvedKernel(Path.of("/tmp/bzImage"), "6.12.0", Optional.empty(),
                Optional.empty(), "@VmTest");

        MissingKernelOptionException e = assertThrows(MissingKernelOptionException.class,
                () -> VmTestExtension.requireSchedExt(unknown, SCX_SIMPLE));

        assertTrue(e.getMessage().contains("has no config-6.12.0 or .config next to it"), e.getMessage());
    }

    @Test
    void aSchedExtKernelPasses() {
        assertDoesNotThrow(() -> VmTestExtension.requireSchedExt(kernelWith("CONFIG_SCHED_CLASS_EXT=y"), SCX_SIMPLE));
    }
}
