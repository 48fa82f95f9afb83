package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.kvmunit.internal.vmm.sys.LibC;

/**
 * One KVM file descriptor (system, VM or vCPU) and the ioctls on it. Turns errno into a
 * {@link KvmException} whose message says which call failed and what it was doing, so no
 * caller has to repeat that. Closing is idempotent.
 */
final class KvmFd implements AutoCloseable {
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int E2BIG = 7;

    private final int fd;
    private final String owner;
    private boolean closed;

    KvmFd(int fd, String owner) {
        this.fd = fd;
        this.owner = owner;
    }

    int fd() {
        return fd;
    }

    int ioctl(long request, Pointer arg, String what) {
        try {
            return LibC.INSTANCE.ioctl(fd, new NativeLong(request), arg);
        } catch (LastErrorException e) {
            throw failure(what, e);
        }
    }

    int ioctl(long request, long arg, String what) {
        try {
            return LibC.INSTANCE.ioctl(fd, new NativeLong(request), arg);
        } catch (LastErrorException e) {
            throw failure(what, e);
        }
    }

    private KvmException failure(String what, LastErrorException e) {
        return new KvmException(what + " on the " + owner + " failed: " + strerror(e), e.getErrorCode(), e);
    }

    /** JNA formats the message as "[errno] text"; keep the text and the number. */
    static String strerror(LastErrorException e) {
        String m = e.getMessage();
        int close = m == null ? -1 : m.indexOf(']');
        String text = close >= 0 ? m.substring(close + 1).trim() : String.valueOf(m);
        return text + " (errno " + e.getErrorCode() + ")";
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
