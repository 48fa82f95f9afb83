package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelConfigTest {
    private static final List<String> SAMPLE = List.of(
            "#",
            "# Automatically generated file; DO NOT EDIT.",
            "# Linux/x86 6.12.117 Kernel Configuration",
            "#",
            "CONFIG_CC_VERSION_TEXT=\"gcc-12 (Debian 12.2.0-14) 12.2.0\"",
            "CONFIG_VIRTIO_CONSOLE=y",
            "CONFIG_VIRTIO_MMIO=m",
            "# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set",
            "CONFIG_NR_CPUS=8192",
            "",
            "# CONFIG_SCHED_CLASS_EXT is not set");

    private final KernelConfig config = KernelConfig.parse("6.12.117", "config-6.12.117", SAMPLE);

    @Test
    void answersTristateQueries() {
        assertTrue(config.isBuiltin("CONFIG_VIRTIO_CONSOLE"));
        assertFalse(config.isModule("VIRTIO_CONSOLE"));
        assertTrue(config.isModule("VIRTIO_MMIO"));
        assertTrue(config.isEnabled("VIRTIO_MMIO"));
        assertFalse(config.isEnabled("VIRTIO_MMIO_CMDLINE_DEVICES"));
        assertFalse(config.isEnabled("NOT_IN_THE_FILE"));
    }

    @Test
    void returnsValuesWithoutQuotes() {
        assertEquals(Optional.of("8192"), config.value("NR_CPUS"));
        assertEquals(Optional.of("gcc-12 (Debian 12.2.0-14) 12.2.0"), config.value("CC_VERSION_TEXT"));
        assertEquals(Optional.empty(), config.value("SCHED_CLASS_EXT"));
    }

    @Test
    void requireNamesEveryMissingOptionAndTheKernel() {
        assertDoesNotThrow(() -> config.require("VIRTIO_CONSOLE", "CONFIG_VIRTIO_MMIO"));

        MissingKernelOptionException e = assertThrows(MissingKernelOptionException.class,
                () -> config.require("VIRTIO_CONSOLE", "SCHED_CLASS_EXT", "DEBUG_INFO_BTF"));

        assertEquals(List.of("CONFIG_SCHED_CLASS_EXT", "CONFIG_DEBUG_INFO_BTF"), e.missingOptions());
        assertTrue(e.getMessage().contains("kernel 6.12.117 lacks CONFIG_SCHED_CLASS_EXT, CONFIG_DEBUG_INFO_BTF"),
                e.getMessage());
        assertTrue(e.getMessage().contains("KVMUNIT_KERNEL"), e.getMessage());
    }

    @Test
    void rejectsFilesThatAreNotConfigs(@TempDir Path temp) throws IOException {
        Path notConfig = Files.writeString(temp.resolve("config-x"), "CONFIG_A=y\n\u007fELF garbage\n");

        KernelException e = assertThrows(KernelException.class, () -> KernelConfig.read("x", notConfig));

        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void readsTheConfigNextToATreesImage(@TempDir Path temp) throws IOException {
        KernelTree tree = new KernelTree(temp, "6.12.1");
        Files.createDirectories(tree.config().getParent());
        assertEquals(Optional.empty(), KernelConfig.of(tree));

        Files.writeString(tree.config(), "CONFIG_BPF=y\n");

        assertTrue(KernelConfig.of(tree).orElseThrow().isBuiltin("BPF"));
    }
}
