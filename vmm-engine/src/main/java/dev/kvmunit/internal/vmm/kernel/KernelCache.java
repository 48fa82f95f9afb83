package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The directory of unpacked kernels, {@code $XDG_CACHE_HOME/kvmunit/kernels} (default
 * {@code ~/.cache/kvmunit/kernels}): one {@link KernelTree} per release, named by the release.
 *
 * <p>An entry appears only complete: it is built in a staging directory beside it and renamed
 * into place. Writers take the cache's lock, a file lock for other JVMs plus an in-process lock
 * for other threads (a JVM cannot hold two overlapping file locks), so concurrent test runs
 * download a kernel once. Staging directories left by a killed JVM are removed by the next
 * lock holder.
 */
public final class KernelCache {
    private static final String LOCK_FILE = ".lock";
    private static final String STAGING_PREFIX = ".staging-";
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final Path directory;

    public KernelCache(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
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
        String xdg = env.apply("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : userHome.resolve(".cache");
        return base.resolve("kvmunit").resolve("kernels");
    }

    public Path directory() {
        return directory;
    }

    /** Cached kernels, newest release first. */
    public List<KernelTree> list() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<KernelTree> kernels = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            entries.filter(Files::isDirectory)
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
        KernelTree tree = new KernelTree(directory.resolve(release), release);
        return tree.hasImage() ? Optional.of(tree) : Optional.empty();
    }

    public Optional<KernelTree> newest() {
        return list().stream().findFirst();
    }

    public Optional<KernelTree> newestMatching(VersionPrefix prefix) {
        return list().stream().filter(k -> prefix.matches(k.release())).findFirst();
    }

    /** Work done while holding the cache's write lock. */
    @FunctionalInterface
    public interface LockedWork<T> {
        T run() throws IOException;
    }

    /** Runs work holding the lock that serialises all writers of this cache, in and across JVMs. */
    public <T> T underLock(LockedWork<T> work) {
        ReentrantLock local = IN_PROCESS_LOCKS.computeIfAbsent(directory, d -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock(); // released when the channel closes
                removeAbandonedStaging();
                return work.run();
            }
        } catch (IOException e) {
            throw new KernelException("cannot update the kernel cache " + directory + ": " + e.getMessage()
                    + " (check that it is writable, or set XDG_CACHE_HOME)", e);
        } finally {
            local.unlock();
        }
    }

    /** A fresh directory on the cache's file system for building an entry; call under the lock. */
    public Path newStagingDirectory() throws IOException {
        return Files.createTempDirectory(directory, STAGING_PREFIX);
    }

    /** Moves a finished tree into place as the entry for release, atomically; call under the lock. */
    public KernelTree publish(Path staged, String release) throws IOException {
        KernelTree tree = new KernelTree(directory.resolve(release), release);
        if (Files.exists(tree.root())) {
            // A directory without an image is no cache entry (find() skips it): replace it.
            FileTrees.deleteRecursively(tree.root());
        }
        try {
            Files.move(staged, tree.root(), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new KernelException("cannot rename " + staged + " to " + tree.root()
                    + " atomically; the kernel cache must be on one file system", e);
        }
        return tree;
    }

    private void removeAbandonedStaging() throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (p.getFileName().toString().startsWith(STAGING_PREFIX)) {
                    FileTrees.deleteRecursively(p);
                }
            }
        }
    }
}
