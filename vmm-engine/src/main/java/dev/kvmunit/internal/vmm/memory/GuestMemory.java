package dev.kvmunit.internal.vmm.memory;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kvmunit.internal.vmm.sys.LibC;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Guest RAM: one contiguous host mapping that backs guest-physical addresses
 * {@code [0, size)}. Every accessor checks its range first, because most addresses
 * handed to it were chosen by the guest.
 *
 * <p>Values are little-endian (x86). Not thread-safe for overlapping writes; the guest
 * itself races with device code anyway, as on real hardware.
 */
public final class GuestMemory implements AutoCloseable {
    /** The unit {@link #mapFile} works in: x86 base pages. */
    public static final long PAGE_SIZE = 4096;

    private final Pointer host;
    private final long size;
    private final boolean mapped;
    private boolean closed;

    private GuestMemory(Pointer host, long size, boolean mapped) {
        this.host = host;
        this.size = size;
        this.mapped = mapped;
    }

    /**
     * Anonymous, lazily committed memory for a VM. {@code MAP_NORESERVE} so a VM that
     * touches little of its RAM costs little host memory.
     */
    public static GuestMemory anonymous(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("guest memory size must be a positive multiple of 4096: " + size);
        }
        Pointer p = LibC.INSTANCE.mmap(null, size, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        if (LibC.mapFailed(p)) {
            throw new IllegalStateException("mmap of " + size + " bytes of guest memory failed");
        }
        return new GuestMemory(p, size, true);
    }

    /** Heap-backed memory for unit tests of code that lays out guest memory. */
    public static GuestMemory forTesting(long size) {
        Memory m = new Memory(size);
        m.clear();
        return new GuestMemory(m, size, false);
    }

    public long size() {
        return size;
    }

    /**
     * True when {@link #mapFile} can be used: the memory is an {@link #anonymous} mapping that is
     * still open. Heap memory from {@link #forTesting} belongs to the allocator and must not be
     * replaced by a mapping.
     */
    public boolean canMapFiles() {
        return mapped && !closed;
    }

    /**
     * Backs {@code [gpa, gpa + length)} with the first {@code length} bytes of {@code file},
     * mapped copy-on-write ({@code MAP_PRIVATE}) in place of the anonymous pages there. Every VM
     * that maps the same file shares one copy of its pages in the host page cache; a page the
     * guest writes becomes private to that VM, and neither the file nor other VMs see the write.
     *
     * <p>KVM may already hold a memslot over this range: it refers to host virtual addresses
     * and resolves them to pages only when a vCPU faults on them, and replacing the mapping
     * makes the kernel's MMU notifier drop whatever KVM had cached for the old pages. Call it
     * before any vCPU runs all the same, so a guest never observes the switch half done.
     *
     * <p>The file must not be truncated while the mapping lives: touching a page past its end
     * raises SIGBUS. Replacing it by rename, as the image cache does, is safe because the
     * mapping keeps the old file. The file descriptor is closed before this returns.
     *
     * @param gpa    page-aligned guest-physical start
     * @param file   a regular file holding at least {@code length} bytes
     * @param length a positive multiple of {@link #PAGE_SIZE}
     * @throws IllegalArgumentException when the range is unaligned or outside guest RAM
     * @throws UnsupportedOperationException for {@link #forTesting} memory
     * @throws IOException when the file cannot be opened or mapped, or is shorter than {@code length}
     */
    public void mapFile(long gpa, Path file, long length) throws IOException {
        if (closed) {
            throw new IllegalStateException("guest memory is closed; cannot map " + file);
        }
        if (!mapped) {
            throw new UnsupportedOperationException("cannot map " + file + " into heap-backed guest memory from "
                    + "GuestMemory.forTesting; use GuestMemory.anonymous");
        }
        if (gpa % PAGE_SIZE != 0 || length <= 0 || length % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(String.format("cannot map %s at guest address 0x%x with length 0x%x:"
                    + " both must be multiples of %d and the length positive", file, gpa, length, PAGE_SIZE));
        }
        if (!contains(gpa, length)) {
            throw new IllegalArgumentException(String.format("cannot map %s at [0x%x, +0x%x): outside guest RAM "
                    + "[0, 0x%x)", file, gpa, length, size));
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("cannot map " + file + " into guest memory: not a regular file");
        }
        int fd;
        try {
            fd = LibC.INSTANCE.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + file + " to map it into guest memory: errno " + e.getErrorCode(), e);
        }
        try {
            // The size of what is actually mapped, not of whatever the path named a moment ago:
            // mapping past the end of the file would turn guest reads into SIGBUS in the JVM.
            long fileSize = LibC.INSTANCE.lseek(fd, 0, LibC.SEEK_END);
            if (fileSize < length) {
                throw new EOFException(String.format("cannot map 0x%x bytes of %s into guest memory: it holds only "
                        + "0x%x bytes; was it changed while the VM started?", length, file, fileSize));
            }
            mapOver(gpa, length, fd, file);
        } catch (LastErrorException e) {
            throw new IOException("cannot read the size of " + file + ": errno " + e.getErrorCode(), e);
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /**
     * Replaces the pages of {@code [gpa, gpa + length)} with a private mapping of {@code fd};
     * MAP_NORESERVE as for {@link #anonymous}: nothing is charged up front for copies of pages
     * the guest may never write.
     */
    private void mapOver(long gpa, long length, int fd, Path file) throws IOException {
        Pointer target = host.share(gpa);
        try {
            LibC.INSTANCE.mmap(target, length, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_FIXED | LibC.MAP_NORESERVE, fd, 0);
        } catch (LastErrorException e) {
            // A failed MAP_FIXED may already have unmapped the old pages, and a hole in guest RAM
            // would crash the JVM on the next access: put anonymous pages back first.
            try {
                LibC.INSTANCE.mmap(target, length, LibC.PROT_READ | LibC.PROT_WRITE,
                        LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED | LibC.MAP_NORESERVE, -1, 0);
            } catch (LastErrorException lost) {
                throw new IllegalStateException(String.format("guest RAM [0x%x, +0x%x) lost its pages after a failed "
                        + "mmap of %s (errno %d, then %d); close this guest memory", gpa, length, file,
                        e.getErrorCode(), lost.getErrorCode()), lost);
            }
            throw new IOException(String.format("cannot map %s at guest address 0x%x: errno %d", file, gpa,
                    e.getErrorCode()), e);
        }
    }

    /** Host address of guest-physical 0, for KVM_SET_USER_MEMORY_REGION. */
    public Pointer hostPointer() {
        return host;
    }

    /** True when {@code [gpa, gpa + length)} lies inside guest RAM. */
    public boolean contains(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa <= size && length <= size - gpa;
    }

    /** Throws {@link GuestMemoryException} unless {@code [gpa, gpa + length)} is guest RAM. */
    public void checkRange(long gpa, long length) {
        if (!contains(gpa, length)) {
            throw new GuestMemoryException(String.format(
                    "guest address range [0x%x, +0x%x) is outside guest RAM [0, 0x%x)", gpa, length, size));
        }
    }

    public byte[] read(long gpa, int length) {
        checkRange(gpa, length);
        return host.getByteArray(gpa, length);
    }

    public void read(long gpa, byte[] dst, int offset, int length) {
        checkRange(gpa, length);
        host.read(gpa, dst, offset, length);
    }

    public void write(long gpa, byte[] data) {
        write(gpa, data, 0, data.length);
    }

    public void write(long gpa, byte[] data, int offset, int length) {
        checkRange(gpa, length);
        host.write(gpa, data, offset, length);
    }

    public void fill(long gpa, long length, byte value) {
        checkRange(gpa, length);
        host.setMemory(gpa, length, value);
    }

    public int readU8(long gpa) {
        checkRange(gpa, 1);
        return host.getByte(gpa) & 0xFF;
    }

    public int readU16(long gpa) {
        checkRange(gpa, 2);
        return Short.toUnsignedInt(host.getShort(gpa));
    }

    public long readU32(long gpa) {
        checkRange(gpa, 4);
        return Integer.toUnsignedLong(host.getInt(gpa));
    }

    public long readU64(long gpa) {
        checkRange(gpa, 8);
        return host.getLong(gpa);
    }

    public void write8(long gpa, int value) {
        checkRange(gpa, 1);
        host.setByte(gpa, (byte) value);
    }

    public void write16(long gpa, int value) {
        checkRange(gpa, 2);
        host.setShort(gpa, (short) value);
    }

    public void write32(long gpa, long value) {
        checkRange(gpa, 4);
        host.setInt(gpa, (int) value);
    }

    public void write64(long gpa, long value) {
        checkRange(gpa, 8);
        host.setLong(gpa, value);
    }

    /**
     * A little-endian view of {@code [gpa, gpa + length)} for bulk parsing; the view
     * aliases guest memory, so the guest may change it while it is read.
     */
    public ByteBuffer view(long gpa, int length) {
        checkRange(gpa, length);
        return host.getByteBuffer(gpa, length).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapped) {
            // One munmap covers the anonymous pages and every file mapped over them by mapFile.
            LibC.INSTANCE.munmap(host, size);
        } else {
            ((Memory) host).close();
        }
    }
}
