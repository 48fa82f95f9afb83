package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What kvmunit asks of apt without root: which version of a package it would install
 * ({@code apt-cache show}) and the package file itself ({@code apt-get download}). Every
 * failure names the command, its error output and what else the user can do.
 */
public final class Apt {
    private final CommandRunner commands;
    private final String alternative;

    /**
     * @param commands    runs apt-cache and apt-get
     * @param alternative what a user without a working apt can do instead, ending every
     *                    message: "set KVMUNIT_KERNEL to a kernel image"
     */
    public Apt(CommandRunner commands, String alternative) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.alternative = Objects.requireNonNull(alternative, "alternative");
    }

    /** A package as {@code apt-cache show} describes it; size is 0 when apt did not say. */
    public record Package(String name, DebianVersion version, long size) {
        public Package {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(version, "version");
        }

        /** "name=version", how apt-get is told to fetch exactly this one. */
        public String pinned() {
            return name + "=" + version;
        }

        @Override
        public String toString() {
            return name + " " + version;
        }
    }

    /** Runs an apt query whose failure means apt's lists are not usable. */
    public CommandRunner.Result query(List<String> command) {
        CommandRunner.Result result = run(command, Path.of(System.getProperty("java.io.tmpdir")));
        if (!result.succeeded()) {
            throw new KernelException(String.join(" ", command) + " failed (exit " + result.exitCode() + "): "
                    + result.stderr().strip() + "\nRun `sudo apt-get update`, or " + alternative);
        }
        return result;
    }

    /** The versions apt would install of the named packages ({@code apt-cache show --no-all-versions}). */
    public List<Package> candidates(List<String> names) {
        List<String> show = new ArrayList<>(List.of("apt-cache", "show", "--no-all-versions"));
        show.addAll(names);
        return parseStanzas(query(show).stdout());
    }

    /** Reads Package/Version/Size out of apt-cache show's RFC822-like stanzas. */
    static List<Package> parseStanzas(String text) {
        List<Package> packages = new ArrayList<>();
        for (String stanza : text.split("\\R\\s*\\R")) {
            String name = null;
            String version = null;
            long size = 0;
            for (String line : stanza.lines().toList()) {
                if (line.startsWith("Package:")) {
                    name = line.substring(8).strip();
                } else if (line.startsWith("Version:")) {
                    version = line.substring(8).strip();
                } else if (line.startsWith("Size:")) {
                    size = parseSize(line.substring(5).strip());
                }
            }
            if (name != null && version != null) {
                packages.add(new Package(name, DebianVersion.parse(version), size));
            }
        }
        return packages;
    }

    private static long parseSize(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Fetches exactly this version of the package into an empty directory; returns the .deb. */
    public Path download(Package pkg, Path into) throws IOException {
        CommandRunner.Result result = run(List.of("apt-get", "download", pkg.pinned()), into);
        if (!result.succeeded()) {
            throw new KernelException("apt-get download " + pkg.pinned() + " failed (exit " + result.exitCode()
                    + "): " + result.stderr().strip() + "\nCheck the network and apt's sources (`sudo apt-get update`),"
                    + " or " + alternative);
        }
        try (Stream<Path> files = Files.list(into)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                    .orElseThrow(() -> new KernelException("apt-get download " + pkg.name()
                            + " reported success but left no .deb; its output was: " + result.stdout().strip()));
        }
    }

    private CommandRunner.Result run(List<String> command, Path cwd) {
        try {
            return commands.run(command, cwd);
        } catch (IOException e) {
            throw new KernelException("cannot run " + command.get(0) + " (" + e.getMessage()
                    + "): this needs Debian/Ubuntu's apt; elsewhere " + alternative, e);
        }
    }

    /** "34.3 MB", for progress lines. */
    public static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
