package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FragmentTest {
    private static Fragment parse(String text) {
        return Fragment.parse("test.config", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsEveryKindOfValueSkippingCommentsAndBlankLines() {
        Fragment fragment = parse("""
                # a reason
                CONFIG_A=y

                CONFIG_B=m
                CONFIG_C=n
                # CONFIG_D is not set
                CONFIG_E="a \\"quoted\\" string"
                CONFIG_F=-12
                CONFIG_G=0x1F
                  CONFIG_H=y
                """);

        assertEquals(List.of(
                new Fragment.Option("CONFIG_A", "y", 2),
                new Fragment.Option("CONFIG_B", "m", 4),
                new Fragment.Option("CONFIG_C", "n", 5),
                new Fragment.Option("CONFIG_D", "n", 6),
                new Fragment.Option("CONFIG_E", "\"a \\\"quoted\\\" string\"", 7),
                new Fragment.Option("CONFIG_F", "-12", 8),
                new Fragment.Option("CONFIG_G", "0x1F", 9),
                new Fragment.Option("CONFIG_H", "y", 10)), fragment.options());
        assertEquals("# CONFIG_C is not set", fragment.options().get(2).asConfigLine());
        assertEquals("SCHED", new Fragment.Option("CONFIG_SCHED", "y", 1).symbol());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONFIG_X=maybe", "CONFIG_X", "X=y", "CONFIG_X = y", "CONFIG_X=\"unterminated",
            "#CONFIG_X is not set", "# CONFIG_X=y", "# CONFIG_X is not set, really", "CONFIG_X=1.5", "make menuconfig"})
    void aLineThatIsNoOptionCommentOrBlankIsNamedWithFileAndLine(String bad) {
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> parse("# fine\nCONFIG_OK=y\n" + bad + "\n"));

        assertTrue(e.getMessage().startsWith("fragment test.config line 3 is not a kconfig line: '" + bad.strip() + "'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("CONFIG_NAME=y|m|n|\"string\"|number"), e.getMessage());
    }

    @Test
    void anOptionSetTwiceIsRefusedNamingBothLines() {
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> parse("CONFIG_A=y\nCONFIG_B=y\n# CONFIG_A is not set\n"));

        assertEquals("fragment test.config sets CONFIG_A twice, on line 1 and line 3: keep one", e.getMessage());
    }

    @Test
    void theDigestCoversEveryByteCommentsIncluded() {
        assertEquals(parse("CONFIG_A=y\n").sha256(), parse("CONFIG_A=y\n").sha256());
        assertNotEquals(parse("CONFIG_A=y\n").sha256(), parse("# why\nCONFIG_A=y\n").sha256());
        assertEquals(64, parse("").sha256().length());
    }

    @Test
    void kvmunitsFragmentHasWhatTheGuestAndSchedExtNeedEachWithAReason() {
        Fragment builtin = Fragment.builtin();
        Set<String> enabled = builtin.options().stream().filter(o -> o.value().equals("y"))
                .map(Fragment.Option::symbol).collect(Collectors.toSet());

        for (String needed : List.of("BPF", "BPF_SYSCALL", "BPF_JIT", "DEBUG_INFO_BTF", "SCHED_CLASS_EXT",
                "VIRTIO_MMIO", "VIRTIO_MMIO_CMDLINE_DEVICES", "VIRTIO_CONSOLE", "RD_LZ4", "DEVTMPFS", "CGROUPS",
                "CPUSETS", "SCHEDSTATS", "NUMA", "SCHED_MC", "SCHED_SMT", "FTRACE", "EVENT_TRACING", "PVH")) {
            assertTrue(enabled.contains(needed), needed + " is not enabled by " + builtin);
        }
        List<String> lines = new String(builtin.bytes(), StandardCharsets.UTF_8).lines().toList();
        for (Fragment.Option option : builtin.options()) {
            String above = lines.get(option.line() - 2);
            assertTrue(above.startsWith("# ") && !above.endsWith(" is not set"),
                    option.name() + " has no reason on the line above it");
        }
    }

    @Test
    void aMissingFragmentFileIsNamed() {
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> Fragment.read(java.nio.file.Path.of("/nonexistent/extra.config")));

        assertEquals("fragment /nonexistent/extra.config does not exist or is not a file", e.getMessage());
    }
}
