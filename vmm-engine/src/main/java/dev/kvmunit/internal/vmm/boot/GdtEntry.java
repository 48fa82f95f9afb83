package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.Segment;

/**
 * A segment descriptor, producing both its 8-byte GDT encoding and the hidden segment cache
 * KVM loads for it, so the two can never disagree.
 *
 * @param limit20 the 20-bit limit field (in 4 KiB units when {@code granularity})
 * @param type    4-bit type: 0xB execute/read code or busy TSS, 0x3 read/write data (accessed)
 * @param system  false for code/data (S = 1), true for system descriptors such as a TSS
 */
record GdtEntry(long base, int limit20, int type, boolean system, boolean longMode, boolean defaultSize,
                boolean granularity) {

    static final int TYPE_CODE_EXECUTE_READ = 0xB;
    static final int TYPE_DATA_READ_WRITE = 0x3;
    static final int TYPE_TSS_BUSY = 0xB;

    /** The descriptor as it sits in the GDT (Intel SDM vol. 3, 3.4.5). Present, DPL 0. */
    long encode() {
        long d = limit20 & 0xFFFFL;
        d |= (base & 0xFFFFFFL) << 16;
        d |= (long) (type & 0xF) << 40;
        d |= (system ? 0L : 1L) << 44;
        d |= 1L << 47;
        d |= ((long) (limit20 >> 16) & 0xF) << 48;
        d |= (longMode ? 1L : 0L) << 53;
        d |= (defaultSize ? 1L : 0L) << 54;
        d |= (granularity ? 1L : 0L) << 55;
        d |= ((base >> 24) & 0xFFL) << 56;
        return d;
    }

    /** The cache the CPU holds after loading {@code selector}; its limit is in bytes. */
    Segment cache(int selector) {
        int byteLimit = granularity ? (limit20 << 12) | 0xFFF : limit20;
        return new Segment(base, byteLimit, selector, type, true, 0, defaultSize, !system, longMode, granularity);
    }
}
