package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelSourceTreeTest {
    @TempDir
    Path dir;

    private static final String TOP = "git rev-parse --show-toplevel";

    private final List<List<String>> ran = new ArrayList<>();

    /** make and git as a tree outside git sees them, unless answers (by whole command line) says otherwise. */
    private CommandRunner commands(Map<String, CommandRunner.Result> answers) {
        return (command, cwd) -> {
            ran.add(command);
            CommandRunner.Result answer = answers.get(String.join(" ", command));
            if (answer != null) {
                return answer;
            }
            if (command.get(0).equals("make")) {
                return new CommandRunner.Result(0, "6.12.0\n", "");
            }
            return new CommandRunner.Result(128, "", "fatal: not a git repository");
        };
    }

    private Path kernelTree() throws IOException {
        Path root = dir.resolve("linux");
        for (String file : List.of("Makefile", "Kconfig", "arch/x86/Kconfig", "kernel/configs/tiny.config",
                "scripts/kconfig/merge_config.sh", "tools/sched_ext/Makefile")) {
            Files.createDirectories(root.resolve(file).getParent());
            Files.writeString(root.resolve(file), "");
        }
        return root;
    }

    @Test
    void aDirectoryThatIsNoKernelTreeIsRefusedNamingWhatItLacks() throws IOException {
        Files.writeString(Files.createDirectories(dir.resolve("project")).resolve("Makefile"), "all:\n");

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelSourceTree.open(dir.resolve("project"), commands(Map.of())));

        assertEquals("--source " + dir.resolve("project") + " is not a Linux kernel source tree: it has no Kconfig,"
                + " arch/x86/Kconfig, kernel/configs/tiny.config, scripts/kconfig/merge_config.sh. Give the top"
                + " directory of the tree (the one with MAINTAINERS and Kconfig)", e.getMessage());
        assertEquals(List.of(), ran, "nothing runs in a directory that is no kernel tree");
    }

    @Test
    void aMissingDirectoryATreeWithoutSchedExtAndAConfiguredTreeAreRefused() throws IOException {
        KernelBuildException missing = assertThrows(KernelBuildException.class,
                () -> KernelSourceTree.open(dir.resolve("nope"), commands(Map.of())));
        assertTrue(missing.getMessage().endsWith("nope: no such directory"), missing.getMessage());

        Path tree = kernelTree();
        Files.delete(tree.resolve("tools/sched_ext/Makefile"));
        KernelBuildException old = assertThrows(KernelBuildException.class,
                () -> KernelSourceTree.open(tree, commands(Map.of())));
        assertTrue(old.getMessage().contains("has no tools/sched_ext/Makefile") && old.getMessage().contains("6.12"),
                old.getMessage());

        Files.writeString(tree.resolve("tools/sched_ext/Makefile"), "");
        Files.writeString(tree.resolve(".config"), "CONFIG_SMP=y\n");
        KernelBuildException configured = assertThrows(KernelBuildException.class,
                () -> KernelSourceTree.open(tree, commands(Map.of())));
        assertTrue(configured.getMessage().contains("configured or built in place")
                && configured.getMessage().contains("make mrproper"), configured.getMessage());
    }

    @Test
    void outsideGitTheIdentityIsVersionPathAndNewestKbuildFile() throws IOException {
        Path tree = kernelTree();
        Files.setLastModifiedTime(tree.resolve("Kconfig"), FileTime.fromMillis(1_700_000_000_000L));
        Files.setLastModifiedTime(tree.resolve("Makefile"), FileTime.fromMillis(1_600_000_000_000L));
        Files.setLastModifiedTime(tree.resolve("arch/x86/Kconfig"), FileTime.fromMillis(1_600_000_000_000L));
        Files.setLastModifiedTime(tree.resolve("tools/sched_ext/Makefile"), FileTime.fromMillis(1_600_000_000_000L));

        KernelSourceTree source = KernelSourceTree.open(tree, commands(Map.of()));

        assertEquals("tree version 6.12.0 path " + tree + " newest-kbuild-file 2023-11-14T22:13:20Z", source.identity());
        assertEquals(tree, source.prepare(dir.resolve("work"), null, null));
    }

    @Test
    void inAGitTreeTheIdentityIsVersionCommitAndADigestOfUncommittedChanges() throws IOException {
        Path tree = kernelTree();
        CommandRunner.Result top = new CommandRunner.Result(0, tree + "\n", "");
        CommandRunner.Result head = new CommandRunner.Result(0, "0123456789abcdef0123456789abcdef01234567\n", "");

        String clean = KernelSourceTree.open(tree, commands(Map.of(TOP, top, "git rev-parse HEAD", head,
                "git diff HEAD", new CommandRunner.Result(0, "", "")))).identity();
        String dirty = KernelSourceTree.open(tree, commands(Map.of(TOP, top, "git rev-parse HEAD", head,
                "git diff HEAD", new CommandRunner.Result(0, "--- a/Makefile\n+++ b/Makefile\n", "")))).identity();

        assertEquals("tree version 6.12.0 git 0123456789abcdef0123456789abcdef01234567", clean);
        assertTrue(dirty.startsWith(clean + " dirty "), dirty);
        assertNotEquals(clean, dirty);
    }

    @Test
    void aTreeInsideSomeoneElsesGitCheckoutIsNoGitTree() throws IOException {
        Path tree = kernelTree();
        CommandRunner.Result outer = new CommandRunner.Result(0, dir + "\n", "");

        String identity = KernelSourceTree.open(tree, commands(Map.of(TOP, outer))).identity();

        assertTrue(identity.startsWith("tree version 6.12.0 path " + tree), identity);
    }
}
