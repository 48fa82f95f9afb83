package dev.kvmunit.internal.vmm.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel laid out the way Debian installs one, below some root: {@code boot/vmlinuz-REL},
 * {@code boot/config-REL} and {@code lib/modules/REL} (or {@code usr/lib/modules/REL} on
 * merged-/usr systems). The host is the tree rooted at "/", a cached kernel is a tree rooted
 * at its cache directory.
 */
public record KernelTree(Path root, String release) {

    public KernelTree {
        Objects.requireNonNull(root, "root");
        if (release == null || release.isEmpty() || release.contains("/") || release.equals(".") || release.equals("..")) {
            throw new IllegalArgumentException("bad kernel release name: '" + release + "'");
        }
    }

    public Path image() {
        return root.resolve("boot").resolve("vmlinuz-" + release);
    }

    public Path config() {
        return root.resolve("boot").resolve("config-" + release);
    }

    /** The module directory, if the tree has one. */
    public Optional<Path> modulesDir() {
        for (String base : new String[] {"lib/modules", "usr/lib/modules"}) {
            Path dir = root.resolve(base).resolve(release);
            if (Files.isDirectory(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** Whether the tree holds a kernel image of this release (the other parts are optional). */
    public boolean hasImage() {
        return Files.isRegularFile(image());
    }
}
