package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.kvmunit.internal.vmm.sys.LibC;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A closed object's fd number handed out again, to test that the closed object no longer
 * reaches it. Linux usually reuses the lowest free number, but another thread of the JVM may
 * take it first; {@code dup2} makes the reuse certain.
 */
final class RecycledFdNumber implements AutoCloseable {
    private interface Dup2 extends Library {
        Dup2 LIBC = Native.load("c", Dup2.class);

        int dup2(int oldFd, int newFd) throws LastErrorException;
    }

    private final int number;
    private final boolean extra;

    private RecycledFdNumber(int number, boolean extra) {
        this.number = number;
        this.extra = extra;
    }

    /** Makes the free fd {@code number} refer to the open file of {@code fd}, the new owner. */
    static RecycledFdNumber reuse(int number, int fd) {
        if (fd == number) {
            return new RecycledFdNumber(number, false);
        }
        if (Files.exists(Path.of("/proc/self/fd/" + number))) {
            throw new IllegalStateException("fd " + number + " was taken by another thread; dup2 would close it");
        }
        Dup2.LIBC.dup2(fd, number);
        return new RecycledFdNumber(number, true);
    }

    /** Closes the number if it was an extra descriptor; the new owner closes its own. */
    @Override
    public void close() {
        if (extra) {
            LibC.INSTANCE.close(number);
        }
    }
}
