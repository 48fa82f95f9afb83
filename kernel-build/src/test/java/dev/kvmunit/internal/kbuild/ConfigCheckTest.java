package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.KernelConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a small .config as olddefconfig writes one. */
class ConfigCheckTest {
    private static final KernelConfig RESULT = KernelConfig.parse("build", ".config", List.of(
            "#",
            "# Automatically generated file; DO NOT EDIT.",
            "CONFIG_BPF=y",
            "CONFIG_BPF_SYSCALL=y",
            "CONFIG_VIRTIO_MMIO=m",
            "# CONFIG_SCHED_CLASS_EXT is not set",
            "CONFIG_NR_CPUS=64",
            "CONFIG_CMDLINE=\"console=ttyS0\"",
            "# CONFIG_MODULES is not set"));

    private static Fragment fragment(String name, String text) {
        return Fragment.parse(name, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void optionsThatSurvivedPass() {
        Fragment fine = fragment("kvmunit.config", """
                CONFIG_BPF=y
                CONFIG_VIRTIO_MMIO=m
                CONFIG_NR_CPUS=64
                CONFIG_CMDLINE="console=ttyS0"
                # CONFIG_MODULES is not set
                CONFIG_SCHED_CLASS_EXT=n
                # CONFIG_NOT_IN_THE_RESULT_AT_ALL is not set
                """);

        assertEquals(List.of(), ConfigCheck.lostOptions(List.of(fine), RESULT));
        assertDoesNotThrow(() -> ConfigCheck.requireSurvived(List.of(fine), RESULT));
    }

    @Test
    void everyOptionThatChangedOrVanishedIsNamedWithWhatItBecame() {
        Fragment asked = fragment("kvmunit.config", """
                # sched_ext
                CONFIG_SCHED_CLASS_EXT=y
                CONFIG_VIRTIO_MMIO=y
                CONFIG_DEBUG_INFO_BTF=y
                # CONFIG_BPF_SYSCALL is not set
                CONFIG_NR_CPUS=8
                CONFIG_CMDLINE="quiet"
                """);

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> ConfigCheck.requireSurvived(List.of(asked), RESULT));

        assertEquals(List.of(
                "CONFIG_SCHED_CLASS_EXT=y (kvmunit.config line 2) became not set",
                "CONFIG_VIRTIO_MMIO=y (kvmunit.config line 3) became CONFIG_VIRTIO_MMIO=m",
                "CONFIG_DEBUG_INFO_BTF=y (kvmunit.config line 4) became not set",
                "# CONFIG_BPF_SYSCALL is not set (kvmunit.config line 5) became CONFIG_BPF_SYSCALL=y",
                "CONFIG_NR_CPUS=8 (kvmunit.config line 6) became CONFIG_NR_CPUS=64",
                "CONFIG_CMDLINE=\"quiet\" (kvmunit.config line 7) became CONFIG_CMDLINE=console=ttyS0"),
                ConfigCheck.lostOptions(List.of(asked), RESULT));
        assertTrue(e.getMessage().startsWith("6 fragment options did not survive make olddefconfig:\n"
                + "  CONFIG_SCHED_CLASS_EXT=y (kvmunit.config line 2) became not set\n"), e.getMessage());
        assertTrue(e.getMessage().contains("'depends on'"), e.getMessage());
    }

    @Test
    void aLaterFragmentOverridesAnEarlierOneAsInMergeConfig() {
        Fragment base = fragment("kvmunit.config", "CONFIG_SCHED_CLASS_EXT=y\nCONFIG_BPF=y\n");
        Fragment user = fragment("mine.config", "# CONFIG_SCHED_CLASS_EXT is not set\n");

        assertEquals(List.of(), ConfigCheck.lostOptions(List.of(base, user), RESULT));
        assertEquals(List.of("CONFIG_SCHED_CLASS_EXT=y (kvmunit.config line 1) became not set"),
                ConfigCheck.lostOptions(List.of(user, base), RESULT));
    }
}
