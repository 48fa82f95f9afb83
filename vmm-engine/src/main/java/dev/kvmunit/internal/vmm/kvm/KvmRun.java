package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.Pointer;

/**
 * A vCPU's shared {@code struct kvm_run} page, read and written at the raw offsets of
 * {@code <linux/kvm.h>} (x86_64). KVM fills it on every exit; the exit-specific fields live
 * in a union at offset 32 and are valid only for their exit reason. Data offsets that KVM
 * reports are checked against the mapping before use.
 */
public final class KvmRun {
    public static final int EXIT_UNKNOWN = 0;
    public static final int EXIT_EXCEPTION = 1;
    public static final int EXIT_IO = 2;
    public static final int EXIT_HYPERCALL = 3;
    public static final int EXIT_DEBUG = 4;
    public static final int EXIT_HLT = 5;
    public static final int EXIT_MMIO = 6;
    public static final int EXIT_SHUTDOWN = 8;
    public static final int EXIT_FAIL_ENTRY = 9;
    public static final int EXIT_INTR = 10;
    public static final int EXIT_INTERNAL_ERROR = 17;
    public static final int EXIT_SYSTEM_EVENT = 24;

    public static final int SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int SYSTEM_EVENT_RESET = 2;
    public static final int SYSTEM_EVENT_CRASH = 3;

    private static final int IMMEDIATE_EXIT = 1;
    private static final int EXIT_REASON = 8;
    private static final int UNION = 32;
    /** internal.data and system_event.data: up to 16 u64 words after two u32s. */
    private static final int DATA_WORDS = UNION + 8;
    private static final int MAX_DATA_WORDS = 16;

    private final Pointer page;
    private final long size;

    KvmRun(Pointer page, long size) {
        this.page = page;
        this.size = size;
    }

    public int exitReason() {
        return page.getInt(EXIT_REASON);
    }

    /**
     * Makes the next (or current, once a signal interrupts it) KVM_RUN return EINTR at once.
     * Safe from any thread: it is one byte KVM reads on entry.
     */
    public void requestImmediateExit() {
        page.setByte(IMMEDIATE_EXIT, (byte) 1);
    }

    // KVM_EXIT_IO: __u8 direction, __u8 size, __u16 port, __u32 count, __u64 data_offset.

    public boolean ioIsOut() {
        return page.getByte(UNION) == 1;
    }

    public int ioSize() {
        return page.getByte(UNION + 1) & 0xFF;
    }

    public int ioPort() {
        return Short.toUnsignedInt(page.getShort(UNION + 2));
    }

    /** Number of elements: more than 1 for string I/O ({@code rep outs/ins}). */
    public int ioCount() {
        return page.getInt(UNION + 4);
    }

    private long ioElementOffset(int element) {
        long dataOffset = page.getLong(UNION + 8);
        long count = Integer.toUnsignedLong(ioCount());
        int width = ioSize();
        if (element < 0 || element >= count || dataOffset < 0
                || dataOffset + count * width > size) {
            throw new KvmException(String.format("KVM reported I/O data [0x%x, %d x %d bytes) outside kvm_run"
                    + " of %d bytes", dataOffset, count, width, size), 0);
        }
        return dataOffset + (long) element * width;
    }

    /** The bytes of element {@code element} of an OUT. */
    public byte[] ioData(int element) {
        return page.getByteArray(ioElementOffset(element), ioSize());
    }

    /** Supplies element {@code element} of an IN. */
    public void setIoData(int element, byte[] data) {
        if (data.length != ioSize()) {
            throw new IllegalArgumentException("I/O element is " + ioSize() + " bytes, got " + data.length);
        }
        page.write(ioElementOffset(element), data, 0, data.length);
    }

    // KVM_EXIT_MMIO: __u64 phys_addr, __u8 data[8], __u32 len, __u8 is_write.

    public long mmioAddress() {
        return page.getLong(UNION);
    }

    /** Access width in bytes, 1 to 8. */
    public int mmioLength() {
        int length = page.getInt(UNION + 16);
        if (length < 1 || length > 8) {
            throw new KvmException("KVM reported an MMIO access of " + length + " bytes", 0);
        }
        return length;
    }

    public boolean mmioIsWrite() {
        return page.getByte(UNION + 20) != 0;
    }

    public byte[] mmioData() {
        return page.getByteArray(UNION + 8, mmioLength());
    }

    public void setMmioData(byte[] data) {
        if (data.length != mmioLength()) {
            throw new IllegalArgumentException("MMIO access is " + mmioLength() + " bytes, got " + data.length);
        }
        page.write(UNION + 8, data, 0, data.length);
    }

    // KVM_EXIT_FAIL_ENTRY: __u64 hardware_entry_failure_reason, __u32 cpu.

    public long failEntryReason() {
        return page.getLong(UNION);
    }

    public int failEntryCpu() {
        return page.getInt(UNION + 8);
    }

    // KVM_EXIT_INTERNAL_ERROR: __u32 suberror, __u32 ndata, __u64 data[16].

    public int internalSuberror() {
        return page.getInt(UNION);
    }

    public long[] internalData() {
        return dataWords();
    }

    // KVM_EXIT_SYSTEM_EVENT: __u32 type, __u32 ndata, __u64 data[16].

    public int systemEventType() {
        return page.getInt(UNION);
    }

    public long[] systemEventData() {
        return dataWords();
    }

    private long[] dataWords() {
        int count = Math.min(Math.max(page.getInt(UNION + 4), 0), MAX_DATA_WORDS);
        return page.getLongArray(DATA_WORDS, count);
    }
}
