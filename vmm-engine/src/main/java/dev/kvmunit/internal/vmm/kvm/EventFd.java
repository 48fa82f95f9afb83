package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.kvmunit.internal.vmm.sys.LibC;

/**
 * A Linux eventfd, as KVM uses them: KVM signals an ioeventfd when the guest writes a
 * registered address, and injects an interrupt when an irqfd is signalled. The {@link KvmVm}
 * that registered it owns it and closes it with the VM.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    /** Guarded by this. */
    private boolean closed;
    /** Threads inside {@link #await()}'s read; guarded by this. */
    private int readers;

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** A blocking, close-on-exec eventfd with counter 0. */
    static EventFd create(String purpose) {
        try {
            return new EventFd(LibC.INSTANCE.eventfd(0, LibC.EFD_CLOEXEC));
        } catch (LastErrorException e) {
            throw new KvmException("eventfd for " + purpose + " failed: " + KvmFd.strerror(e), e.getErrorCode(), e);
        }
    }

    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter: for an irqfd, injects the interrupt. Does nothing once closed, so
     * a device raising an interrupt while its VM is torn down cannot write to a recycled fd.
     */
    public synchronized void signal() {
        if (!closed) {
            increment();
        }
    }

    private void increment() {
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            LibC.INSTANCE.write(fd, one, 8);
        } catch (LastErrorException e) {
            throw new KvmException("signalling eventfd " + fd + " failed: " + KvmFd.strerror(e), e.getErrorCode(), e);
        }
    }

    /**
     * Blocks until the counter is non-zero, then returns and resets it: for an ioeventfd, the
     * number of guest writes since the last call. Returns 0 once the eventfd is closed, which
     * also wakes a thread blocked here, so a poller thread ends with its VM.
     */
    public long await() {
        synchronized (this) {
            if (closed) {
                return 0;
            }
            readers++;
        }
        try (Memory value = new Memory(8)) {
            LibC.INSTANCE.read(fd, value, 8);
            synchronized (this) {
                return closed ? 0 : value.getLong(0);
            }
        } catch (LastErrorException e) {
            throw new KvmException("reading eventfd " + fd + " failed: " + KvmFd.strerror(e), e.getErrorCode(), e);
        } finally {
            synchronized (this) {
                readers--;
                notifyAll();
            }
        }
    }

    /**
     * Closes the eventfd. A thread blocked in {@link #await()} is woken first and the fd is
     * closed only after it has left {@code read}, so it can never read a recycled fd number.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (readers > 0) {
            increment();
            boolean interrupted = false;
            while (readers > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        LibC.INSTANCE.close(fd);
    }
}
