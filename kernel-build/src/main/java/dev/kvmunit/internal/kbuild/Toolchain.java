package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.CommandRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The host tools a build needs, checked before anything runs so that a missing one is named with
 * the Debian package that brings it, and the compiler versions that go into the cache key
 * (a new gcc or clang builds anew).
 *
 * @param gcc   first line of {@code gcc --version}
 * @param clang first line of {@code clang-19 --version}
 */
public record Toolchain(String gcc, String clang) {
    /** The clang the schedulers' BPF programs are compiled with: Debian 12's newest. */
    public static final String CLANG = "clang-19";

    /** A program on PATH, or a header under the include root, and the package that has it. */
    record Requirement(String what, boolean header, String debianPackage) {
    }

    static final List<Requirement> REQUIREMENTS = List.of(
            new Requirement("make", false, "make"),
            new Requirement("gcc", false, "gcc"),
            new Requirement("flex", false, "flex"),
            new Requirement("bison", false, "bison"),
            new Requirement("bc", false, "bc"),
            new Requirement("tar", false, "tar"),
            new Requirement("xz", false, "xz-utils"),
            new Requirement("pahole", false, "dwarves"),
            new Requirement(CLANG, false, CLANG),
            new Requirement("libelf.h", true, "libelf-dev"),
            new Requirement("zlib.h", true, "zlib1g-dev"));

    /**
     * The requirements that are missing, in the order of {@link #REQUIREMENTS}; empty when all are there.
     *
     * @param onPath      whether a program is on PATH
     * @param includeRoot where headers live, /usr/include
     */
    static List<Requirement> missing(Predicate<String> onPath, Path includeRoot) {
        List<Requirement> missing = new ArrayList<>();
        for (Requirement r : REQUIREMENTS) {
            boolean present = r.header() ? Files.isRegularFile(includeRoot.resolve(r.what())) : onPath.test(r.what());
            if (!present) {
                missing.add(r);
            }
        }
        return missing;
    }

    /** Fails naming what is missing and the apt-get line that installs it. */
    static void requireAll(Predicate<String> onPath, Path includeRoot) {
        List<Requirement> missing = missing(onPath, includeRoot);
        if (!missing.isEmpty()) {
            Set<String> packages = new LinkedHashSet<>();
            missing.forEach(r -> packages.add(r.debianPackage()));
            throw new KernelBuildException("a kernel build needs " + String.join(", ", missing.stream()
                    .map(r -> r.what() + " (package " + r.debianPackage() + ")").toList())
                    + ", missing here; install with: sudo apt-get install -y " + String.join(" ", packages));
        }
    }

    /** Whether a program is an executable file in one of PATH's absolute directories. */
    static boolean onPath(String program, String path) {
        for (String dir : path.split(":")) {
            if (dir.startsWith("/") && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Checks this host's tools and reads the compilers' versions. */
    static Toolchain ofHost(CommandRunner commands) {
        String path = System.getenv().getOrDefault("PATH", "");
        requireAll(program -> onPath(program, path), Path.of("/usr/include"));
        return new Toolchain(firstLine(commands, "gcc"), firstLine(commands, CLANG));
    }

    private static String firstLine(CommandRunner commands, String compiler) {
        try {
            CommandRunner.Result result = commands.run(List.of(compiler, "--version"), Path.of("/"));
            if (result.succeeded() && !result.stdout().isBlank()) {
                return result.stdout().lines().findFirst().orElseThrow().strip();
            }
            throw new KernelBuildException(compiler + " --version failed (exit " + result.exitCode() + "): "
                    + result.stderr().strip());
        } catch (IOException e) {
            throw new KernelBuildException("cannot run " + compiler + " --version: " + e.getMessage(), e);
        }
    }
}
