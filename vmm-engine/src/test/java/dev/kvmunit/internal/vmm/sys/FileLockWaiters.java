package dev.kvmunit.internal.vmm.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The processes blocked in a request for a lock on a file ({@code FileChannel.lock()} is a POSIX
 * lock), as Linux lists them in {@code /proc/locks}: a waiter's line reads
 * {@code "N: -> POSIX ADVISORY WRITE <pid> <major>:<minor>:<inode> <start> <end>"}. Lets a test
 * see that a process waits for a lock instead of guessing it from elapsed time.
 */
public final class FileLockWaiters {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private FileLockWaiters() {
    }

    /** The pids blocked waiting for a lock on {@code file}; none when the file does not exist yet. */
    public static Set<Long> of(Path file) throws IOException {
        long inode;
        try {
            inode = (Long) Files.getAttribute(file, "unix:ino");
        } catch (NoSuchFileException e) {
            return Set.of();
        }
        Set<Long> pids = new TreeSet<>();
        for (String line : Files.readAllLines(PROC_LOCKS)) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 7 && fields[1].equals("->")) {
                String[] device = fields[6].split(":");
                if (device.length == 3 && Long.parseLong(device[2]) == inode) {
                    pids.add(Long.parseLong(fields[5]));
                }
            }
        }
        return pids;
    }

    /**
     * Polls until the waiters for {@code file}'s lock satisfy {@code enough}, and returns them.
     * Fails as soon as {@code problem} returns a message (say, the would-be waiter got the lock),
     * or after a minute.
     */
    public static Set<Long> await(Path file, Predicate<Set<Long>> enough, Supplier<String> problem) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            Set<Long> waiters = of(file);
            if (enough.test(waiters)) {
                return waiters;
            }
            String failure = problem.get();
            if (failure != null) {
                throw new AssertionError(failure + "; waiting for the lock on " + file + ": " + waiters);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no expected waiters for the lock on " + file + " within a minute, only "
                        + waiters + "\n" + Files.readString(PROC_LOCKS));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
