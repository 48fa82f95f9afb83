package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A cache directory whose entries appear only complete: each is built in a staging directory
 * beside it and renamed into place. Writers take the directory's lock, a file lock for other
 * JVMs plus an in-process lock for other threads (a JVM cannot hold two overlapping file
 * locks), so concurrent test runs make an entry once. Staging directories left by a killed JVM
 * are removed by the next lock holder.
 */
public final class CacheDirectory {
    private static final String LOCK_FILE = ".lock";
    private static final String STAGING_PREFIX = ".staging-";
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final Path directory;
    private final String description;

    /**
     * @param directory   where the entries live; created on first write
     * @param description what the cache holds, for messages ("kernel cache")
     */
    public CacheDirectory(Path directory, String description) {
        this.directory = directory.toAbsolutePath().normalize();
        this.description = description;
    }

    public Path directory() {
        return directory;
    }

    /** Work done while holding the directory's write lock. */
    @FunctionalInterface
    public interface LockedWork<T> {
        T run() throws IOException;
    }

    /** Runs work holding the lock that serialises all writers of this directory, in and across JVMs. */
    public <T> T underLock(LockedWork<T> work) {
        return underLock(work, null);
    }

    /**
     * Like {@link #underLock(LockedWork)}, telling waiting how long this thread has waited, about
     * once a second, while another thread or JVM holds the lock (writers that work for minutes
     * make their waiters say so). The wait itself blocks in the lock, as the other one does.
     */
    public <T> T underLock(LockedWork<T> work, Consumer<Duration> waiting) {
        ScheduledExecutorService reporter = waiting == null ? null : reportWaiting(waiting);
        ReentrantLock local = IN_PROCESS_LOCKS.computeIfAbsent(directory, d -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock(); // released when the channel closes
                if (reporter != null) {
                    reporter.shutdownNow();
                }
                removeAbandonedStaging();
                return work.run();
            }
        } catch (IOException e) {
            throw new KernelException("cannot update the " + description + " " + directory + ": " + e.getMessage()
                    + " (check that it is writable, or set XDG_CACHE_HOME)", e);
        } finally {
            if (reporter != null) {
                reporter.shutdownNow();
            }
            local.unlock();
        }
    }

    /** A daemon timer telling waiting, every second from now, how long it has been. */
    private static ScheduledExecutorService reportWaiting(Consumer<Duration> waiting) {
        long start = System.nanoTime();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvmunit-cache-lock-wait");
            thread.setDaemon(true);
            return thread;
        });
        reporter.scheduleAtFixedRate(() -> waiting.accept(Duration.ofNanos(System.nanoTime() - start)), 1, 1,
                TimeUnit.SECONDS);
        return reporter;
    }

    /** A fresh directory on the cache's file system for building an entry; call under the lock. */
    public Path newStagingDirectory() throws IOException {
        return Files.createTempDirectory(directory, STAGING_PREFIX);
    }

    /**
     * Moves a finished directory into place as the entry name, atomically, replacing what is
     * there (callers only publish over incomplete entries); call under the lock.
     */
    public Path publish(Path staged, String name) throws IOException {
        Path entry = directory.resolve(name);
        if (Files.exists(entry)) {
            FileTrees.deleteRecursively(entry);
        }
        try {
            Files.move(staged, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new KernelException("cannot rename " + staged + " to " + entry + " atomically; the "
                    + description + " must be on one file system", e);
        }
        return entry;
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
