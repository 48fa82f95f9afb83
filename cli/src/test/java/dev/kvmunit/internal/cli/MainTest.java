package dev.kvmunit.internal.cli;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's contract: usage errors exit 1 with a reason, each outcome has its own code. */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("kvmunit boot --kernel FILE"));
    }

    @Test
    void unknownCommandAndMissingKernelCannotRun() {
        assertEquals(Main.EXIT_CANNOT_RUN, run("launch"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command launch"));
        assertEquals(Main.EXIT_CANNOT_RUN, run("boot", "--kernel", dir.resolve("missing").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no such file"));
    }

    @Test
    void aFileThatIsNoKernelIsRefusedBeforeAnyVmStarts() throws Exception {
        Path notAKernel = Files.writeString(dir.resolve("notes.txt"), "just some text\n".repeat(100));
        assertEquals(Main.EXIT_CANNOT_RUN, run("boot", "--kernel", notAKernel.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(notAKernel.toString()),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyOutcomeHasItsOwnExitCodeApartFromCannotRun() {
        Set<Integer> codes = Arrays.stream(VmOutcome.values()).map(VmOutcome::exitCode).collect(Collectors.toSet());
        assertEquals(VmOutcome.values().length, codes.size());
        assertTrue(!codes.contains(Main.EXIT_CANNOT_RUN));
        assertEquals(0, VmOutcome.CLEAN_EXIT.exitCode());
    }

    @Test
    void kernelBuildRefusesBadInputByNameWithoutBuilding() throws Exception {
        assertEquals(Main.EXIT_CANNOT_RUN, run("kernel"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("kernel needs list, provision or build"));

        assertEquals(Main.EXIT_CANNOT_RUN, run("kernel", "build", "--jobs", "4"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option --jobs of kernel build"));

        Path notATree = Files.createDirectories(dir.resolve("project"));
        assertEquals(Main.EXIT_CANNOT_RUN, run("kernel", "build", "--source", notATree.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--source " + notATree
                + " is not a Linux kernel source tree"), err.toString(StandardCharsets.UTF_8));

        Path badFragment = Files.writeString(dir.resolve("bad.config"), "CONFIG_SCHED_CLASS_EXT=yes\n");
        assertEquals(Main.EXIT_CANNOT_RUN, run("kernel", "build", "--fragment", badFragment.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("fragment " + badFragment
                + " line 1 is not a kconfig line: 'CONFIG_SCHED_CLASS_EXT=yes'"), err.toString(StandardCharsets.UTF_8));
    }
}
