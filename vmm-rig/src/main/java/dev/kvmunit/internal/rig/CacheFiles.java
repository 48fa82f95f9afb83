package dev.kvmunit.internal.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/** Helpers for the rig's cache: content keys, atomic publication, removal of staging trees. */
final class CacheFiles {
    private CacheFiles() {
    }

    /** The rig's cache directory: {@code $XDG_CACHE_HOME/kvmunit/rig}, default {@code ~/.cache/kvmunit/rig}. */
    static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kvmunit").resolve("rig");
    }

    /** SHA-256 hex of the parts, each length-prefixed so that ("ab","c") differs from ("a","bc"). */
    static String digest(String... parts) {
        MessageDigest sha = BlobDigest.sha256();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) ':');
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Renames a finished staging file or directory to its final name. When another JVM
     * published the same content first, its copy wins and ours is dropped.
     */
    static void publish(Path staging, Path target) throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // rename(2) refuses to replace a non-empty directory: another JVM got there first.
            if (!Files.exists(target)) {
                throw e;
            }
            deleteTree(staging);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
