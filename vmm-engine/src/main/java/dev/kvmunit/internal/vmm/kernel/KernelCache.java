package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The directory of unpacked kernels, {@code $XDG_CACHE_HOME/kvmunit/kernels} (default
 * {@code ~/.cache/kvmunit/kernels}): one {@link KernelTree} per release, named by the release.
 * Entries appear only complete and are written under a lock shared across JVMs (see
 * {@link CacheDirectory}), so concurrent test runs download a kernel once.
 */
public final class KernelCache {
    private final CacheDirectory entries;

    public KernelCache(Path directory) {
        this.entries = new CacheDirectory(directory, "kernel cache");
    }

    /** The cache for the current user, honouring XDG_CACHE_HOME. */
    public static KernelCache forCurrentUser() {
        return new KernelCache(defaultDirectory(System::getenv, Path.of(System.getProperty("user.home"))));
    }

    /**
     * {@code $XDG_CACHE_HOME/kvmunit/kernels}, or {@code ~/.cache/kvmunit/kernels} when the
     * variable is unset or relative (the XDG spec says to ignore relative values).
     */
    public static Path defaultDirectory(Function<String, String> env, Path userHome) {
        return kvmunitCacheRoot(env, userHome).resolve("kernels");
    }

    /** {@code $XDG_CACHE_HOME/kvmunit} (absolute values only), else {@code ~/.cache/kvmunit}. */
    public static Path kvmunitCacheRoot(Function<String, String> env, Path userHome) {
        String xdg = env.apply("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : userHome.resolve(".cache");
        return base.resolve("kvmunit");
    }

    public Path directory() {
        return entries.directory();
    }

    /** Cached kernels, newest release first. */
    public List<KernelTree> list() {
        Path directory = directory();
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<KernelTree> kernels = new ArrayList<>();
        try (Stream<Path> listing = Files.list(directory)) {
            listing.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith("."))
                    .map(release -> new KernelTree(directory.resolve(release), release))
                    .filter(KernelTree::hasImage)
                    .forEach(kernels::add);
        } catch (IOException e) {
            throw new KernelException("cannot list the kernel cache " + directory + ": " + e.getMessage(), e);
        }
        kernels.sort(Comparator.comparing(KernelTree::release, DebianVersion::compareFragments).reversed());
        return kernels;
    }

    public Optional<KernelTree> find(String release) {
        if (release.isEmpty() || release.startsWith(".") || release.contains("/")) {
            return Optional.empty();
        }
        KernelTree tree = new KernelTree(directory().resolve(release), release);
        return tree.hasImage() ? Optional.of(tree) : Optional.empty();
    }

    public Optional<KernelTree> newest() {
        return list().stream().findFirst();
    }

    public Optional<KernelTree> newestMatching(VersionPrefix prefix) {
        return list().stream().filter(k -> prefix.matches(k.release())).findFirst();
    }

    /** Runs work holding the lock that serialises all writers of this cache, in and across JVMs. */
    public <T> T underLock(CacheDirectory.LockedWork<T> work) {
        return entries.underLock(work);
    }

    /** A fresh directory on the cache's file system for building an entry; call under the lock. */
    public Path newStagingDirectory() throws IOException {
        return entries.newStagingDirectory();
    }

    /**
     * Moves a finished tree into place as the entry for release, atomically; call under the lock.
     * A directory without an image is no cache entry ({@link #find} skips it) and is replaced.
     */
    public KernelTree publish(Path staged, String release) throws IOException {
        return new KernelTree(entries.publish(staged, release), release);
    }
}
