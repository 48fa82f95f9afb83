package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.CommandRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A kernel source tree given with {@code --source}. It is checked to be the top of a Linux tree
 * with {@code tools/sched_ext} (6.12 or newer) that was never configured in place (kbuild refuses
 * to build out of tree from such a tree), and is never written to.
 *
 * <p>Its identity, which the cache key is made from, is {@code make -s kernelversion} plus, in a
 * git work tree whose top it is, {@code git rev-parse HEAD} and, when tracked files differ from
 * HEAD, a digest of {@code git diff HEAD} (untracked files do not count); outside git, its
 * absolute path and the newest modification time of its {@code Makefile*} and {@code Kconfig*}
 * files (so editing a {@code .c} file of a tree outside git does not rebuild: commit, or
 * {@code kernel build} a fresh copy).
 */
public final class KernelSourceTree implements KernelSource {
    /** What the top of a buildable tree has, with what each is for. */
    private static final List<String> REQUIRED = List.of("Makefile", "Kconfig", "arch/x86/Kconfig",
            "kernel/configs/tiny.config", "scripts/kconfig/merge_config.sh");

    private final Path root;
    private final String identity;

    private KernelSourceTree(Path root, String identity) {
        this.root = root;
        this.identity = identity;
    }

    /**
     * @throws KernelBuildException when dir is not the top of a usable kernel tree, naming what is missing
     */
    public static KernelSourceTree open(Path dir, CommandRunner commands) {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new KernelBuildException("--source " + dir + ": no such directory");
        }
        List<String> missing = REQUIRED.stream().filter(f -> !Files.isRegularFile(root.resolve(f))).toList();
        if (!missing.isEmpty()) {
            throw new KernelBuildException("--source " + root + " is not a Linux kernel source tree: it has no "
                    + String.join(", ", missing) + ". Give the top directory of the tree (the one with MAINTAINERS"
                    + " and Kconfig)");
        }
        if (!Files.isRegularFile(root.resolve("tools/sched_ext/Makefile"))) {
            throw new KernelBuildException("--source " + root + " has no tools/sched_ext/Makefile: sched_ext and its"
                    + " example schedulers came with Linux 6.12, use a 6.12 or newer tree");
        }
        if (Files.exists(root.resolve(".config")) || Files.isDirectory(root.resolve("include/config"))) {
            throw new KernelBuildException("--source " + root + " has been configured or built in place (it has a"
                    + " .config or include/config): kvmunit builds out of the tree and kbuild refuses that from an"
                    + " unclean tree. Run `make mrproper` in it (this deletes its .config), or use a clean copy");
        }
        String version = command(commands, root, List.of("make", "-s", "kernelversion"), "its version").strip();
        return new KernelSourceTree(root, "tree version " + lastLine(version) + " " + contentIdentity(commands, root));
    }

    private static String contentIdentity(CommandRunner commands, Path root) {
        Optional<String> top = optionalCommand(commands, root, List.of("git", "rev-parse", "--show-toplevel"));
        if (top.isPresent() && isSameFile(Path.of(top.get().strip()), root)) {
            String head = command(commands, root, List.of("git", "rev-parse", "HEAD"), "its git commit").strip();
            String changes = command(commands, root, List.of("git", "diff", "HEAD"), "its uncommitted changes");
            return "git " + head + (changes.isEmpty() ? "" : " dirty " + Sha256.hex(changes));
        }
        return "path " + root + " newest-kbuild-file " + newestBuildFile(root);
    }

    private static boolean isSameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** The newest modification time of the tree's Makefile* and Kconfig* files. */
    static FileTime newestBuildFile(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> {
                        String name = p.getFileName().toString();
                        return name.startsWith("Makefile") || name.startsWith("Kconfig");
                    })
                    .map(KernelSourceTree::modified)
                    .max(FileTime::compareTo)
                    .orElse(FileTime.fromMillis(0));
        } catch (IOException | UncheckedIOException e) {
            throw new KernelBuildException("cannot read the tree " + root + ": " + e.getMessage(), e);
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String command(CommandRunner commands, Path root, List<String> command, String what) {
        CommandRunner.Result result;
        try {
            result = commands.run(command, root);
        } catch (IOException e) {
            throw new KernelBuildException("cannot run " + command.get(0) + " to read " + what + " of " + root + ": "
                    + e.getMessage(), e);
        }
        if (!result.succeeded()) {
            throw new KernelBuildException(String.join(" ", command) + " in " + root + " failed (exit "
                    + result.exitCode() + "), so " + what + " is unknown: " + result.stderr().strip());
        }
        return result.stdout();
    }

    /** The output of a command that may fail (git outside a work tree, or not installed). */
    private static Optional<String> optionalCommand(CommandRunner commands, Path root, List<String> command) {
        try {
            CommandRunner.Result result = commands.run(command, root);
            return result.succeeded() ? Optional.of(result.stdout()) : Optional.empty();
        } catch (IOException notInstalled) {
            return Optional.empty();
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "unknown" : lines.get(lines.size() - 1).strip();
    }

    /** "tree version 6.12.0 git 0123abcd... [dirty DIGEST]" or "tree version 6.12.0 path /src newest-kbuild-file T". */
    @Override
    public String identity() {
        return identity;
    }

    @Override
    public Path prepare(Path workDir, BuildSteps steps, BuildProgress progress) {
        return root;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
