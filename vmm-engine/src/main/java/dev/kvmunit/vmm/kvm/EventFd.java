package dev.kvmunit.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.kvmunit.vmm.sys.LibC;

/**
 * A Linux eventfd, as KVM uses them: KVM signals an ioeventfd when the guest writes a
 * registered address, and injects an interrupt when an irqfd is signalled. The {@link KvmVm}
 * that registered it owns it and closes it with the VM.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private boolean closed;

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

    /** Adds 1 to the counter: for an irqfd, injects the interrupt. */
    public void signal() {
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            LibC.INSTANCE.write(fd, one, 8);
        } catch (LastErrorException e) {
            throw new KvmException("signalling eventfd " + fd + " failed: " + KvmFd.strerror(e), e.getErrorCode(), e);
        }
    }

    /**
     * Blocks until the counter is non-zero, then returns and resets it: for an ioeventfd, the
     * number of guest writes since the last call.
     */
    public long await() {
        try (Memory value = new Memory(8)) {
            LibC.INSTANCE.read(fd, value, 8);
            return value.getLong(0);
        } catch (LastErrorException e) {
            throw new KvmException("reading eventfd " + fd + " failed: " + KvmFd.strerror(e), e.getErrorCode(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.INSTANCE.close(fd);
    }
}
