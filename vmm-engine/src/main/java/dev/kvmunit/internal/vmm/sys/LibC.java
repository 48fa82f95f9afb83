package dev.kvmunit.internal.vmm.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libc calls the VMM needs, bound through JNA direct-style interface mapping.
 * Every call that can fail throws {@link LastErrorException} carrying errno, so callers
 * turn it into a message that names what they were doing.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;

    int PROT_NONE = 0;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 0x01;
    int MAP_PRIVATE = 0x02;
    int MAP_ANONYMOUS = 0x20;
    int MAP_FIXED = 0x10;
    int MAP_NORESERVE = 0x4000;

    int SEEK_END = 2;

    int MADV_DONTNEED = 4;

    int EFD_CLOEXEC = 0x80000;
    int EFD_NONBLOCK = 0x800;

    long SYS_GETTID = 186;
    long SYS_TGKILL = 234;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    long lseek(int fd, long offset, int whence) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    int ioctl(int fd, NativeLong request, long arg) throws LastErrorException;

    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    int munmap(Pointer addr, long length) throws LastErrorException;

    int madvise(Pointer addr, long length, int advice) throws LastErrorException;

    int eventfd(int initval, int flags) throws LastErrorException;

    long read(int fd, Pointer buf, long count) throws LastErrorException;

    long write(int fd, Pointer buf, long count) throws LastErrorException;

    int getpid();

    long syscall(long number, Object... args) throws LastErrorException;

    /** {@code MAP_FAILED} as returned by mmap. */
    static boolean mapFailed(Pointer p) {
        return p == null || Pointer.nativeValue(p) == -1L;
    }
}
