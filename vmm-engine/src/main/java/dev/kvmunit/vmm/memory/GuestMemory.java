package dev.kvmunit.vmm.memory;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kvmunit.vmm.sys.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Guest RAM: one contiguous host mapping that backs guest-physical addresses
 * {@code [0, size)}. Every accessor checks its range first, because most addresses
 * handed to it were chosen by the guest.
 *
 * <p>Values are little-endian (x86). Not thread-safe for overlapping writes; the guest
 * itself races with device code anyway, as on real hardware.
 */
public final class GuestMemory implements AutoCloseable {
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
            LibC.INSTANCE.munmap(host, size);
        } else {
            ((Memory) host).close();
        }
    }
}
