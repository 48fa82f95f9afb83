package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KconfigSymbolsTest {
    @TempDir
    Path tree;

    private void write(String relative, String text) throws IOException {
        Path file = tree.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private KconfigSymbols scan() throws IOException {
        write("Kconfig", "mainmenu \"Linux\"\nsource \"kernel/Kconfig.sched\"\nconfig SMP\n\tbool \"SMP\"\n");
        write("kernel/Kconfig.sched", "menuconfig SCHED_CLASS_EXT\n  bool\n\tdepends on BPF_SYSCALL\nconfig  BPF_SYSCALL \n");
        write("arch/x86/Kconfig", "if X86\nconfig PVH\n\tbool\nendif\n# config NOT_A_DEFINITION\n");
        write("Documentation/Kconfig", "config WARN_MISSING_DOCUMENTS\n");
        write("tools/Kconfig", "config ONLY_IN_TOOLS\n");
        write("kernel/Makefile", "config NOT_KCONFIG\n");
        return KconfigSymbols.scan(tree);
    }

    @Test
    void findsConfigAndMenuconfigInEveryKconfigFileButNotElsewhere() throws IOException {
        KconfigSymbols symbols = scan();

        for (String known : List.of("SMP", "SCHED_CLASS_EXT", "BPF_SYSCALL", "PVH", "WARN_MISSING_DOCUMENTS")) {
            assertTrue(symbols.defines(known), known);
        }
        for (String unknown : List.of("NOT_A_DEFINITION", "ONLY_IN_TOOLS", "NOT_KCONFIG", "X86")) {
            assertFalse(symbols.defines(unknown), unknown);
        }
    }

    @Test
    void optionsTheTreeDoesNotDefineAreNamedWithFragmentAndLine() throws IOException {
        KconfigSymbols symbols = scan();
        Fragment fragment = Fragment.parse("extra.config",
                "CONFIG_SMP=y\nCONFIG_SCHED_CLASSEXT=y\n# CONFIG_NO_SUCH is not set\nCONFIG_PVH=y\n"
                        .getBytes(StandardCharsets.UTF_8));

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> symbols.requireKnown(List.of(fragment), "/src/linux"));

        assertEquals("the kernel tree /src/linux knows no option CONFIG_SCHED_CLASSEXT (extra.config line 2),"
                + " CONFIG_NO_SUCH (extra.config line 3): no Kconfig file defines them. Check the spelling, or whether"
                + " this kernel version has the feature", e.getMessage());
        assertDoesNotThrow(() -> symbols.requireKnown(
                List.of(Fragment.parse("ok", "CONFIG_SMP=y\n".getBytes(StandardCharsets.UTF_8))), "/src/linux"));
    }
}
