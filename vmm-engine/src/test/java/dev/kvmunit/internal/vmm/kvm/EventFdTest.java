package dev.kvmunit.internal.vmm.kvm;

import dev.kvmunit.internal.vmm.sys.LibC;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class EventFdTest {
    @Test
    void awaitReturnsTheSignalsSinceTheLastCall() {
        try (EventFd event = EventFd.create("test")) {
            event.signal();
            event.signal();
            event.signal();

            assertEquals(3, event.await());
        }
    }

    @Test
    void closingWakesABlockedReaderWithZero() throws Exception {
        EventFd event = EventFd.create("test");
        CompletableFuture<Long> tid = new CompletableFuture<>();
        CompletableFuture<Long> awaited = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            tid.complete(LibC.INSTANCE.syscall(LibC.SYS_GETTID));
            try {
                awaited.complete(event.await());
            } catch (RuntimeException e) {
                awaited.completeExceptionally(e);
            }
        }, "eventfd reader");
        reader.start();

        awaitBlockedInRead(tid.get(30, TimeUnit.SECONDS), event.fd());
        assertFalse(awaited.isDone(), "await returned without a signal");

        event.close();

        assertEquals(0L, awaited.get(30, TimeUnit.SECONDS));
        assertEquals(0L, event.await(), "await on a closed eventfd returns at once");
        reader.join();
    }

    @Test
    void aSignalAfterCloseIsDroppedInsteadOfHittingARecycledFd() {
        EventFd closed = EventFd.create("closed");
        int number = closed.fd();
        closed.close();

        try (EventFd next = EventFd.create("next"); RecycledFdNumber recycled = RecycledFdNumber.reuse(number, next.fd())) {
            closed.signal();
            next.signal();

            assertEquals(1L, next.await(), "the closed eventfd's signal reached fd " + number + ", now another's");
        }
    }

    /**
     * Waits until thread {@code tid} of this process is inside read(2) (x86_64 syscall 0) on
     * {@code fd}, as the kernel shows in /proc: proof that it blocks there, not a guess by time.
     */
    private static void awaitBlockedInRead(long tid, int fd) throws IOException {
        Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
        String blocked = "0 0x" + Integer.toHexString(fd) + " ";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String seen = Files.readString(syscall);
        while (!seen.startsWith(blocked)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reader never blocked in read(" + fd + "); " + syscall + ": " + seen);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            seen = Files.readString(syscall);
        }
    }
}
