package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

/**
 * The GDT and IDT the kernel starts with. Selectors follow boot.rst: {@code __BOOT_CS} 0x10
 * (64-bit code) and {@code __BOOT_DS} 0x18 (flat data); the PVH entry runs in 32-bit mode and
 * uses the 32-bit code descriptor at 0x08 with the same data descriptor. The TSS descriptor
 * exists because VMX requires a usable TR; the kernel loads its own GDT, IDT and TSS before
 * either matters.
 */
final class BootGdt {
    static final int CODE32_SELECTOR = 0x08;
    static final int CODE64_SELECTOR = 0x10;
    static final int DATA_SELECTOR = 0x18;
    static final int TSS_SELECTOR = 0x20;

    private static final int FLAT_LIMIT = 0xFFFFF;
    /** 104 bytes: the size of a 32/64-bit TSS without an I/O bitmap, minus one. */
    private static final int TSS_LIMIT = 0x67;

    static final GdtEntry CODE32 = new GdtEntry(0, FLAT_LIMIT, GdtEntry.TYPE_CODE_EXECUTE_READ, false, false, true, true);
    static final GdtEntry CODE64 = new GdtEntry(0, FLAT_LIMIT, GdtEntry.TYPE_CODE_EXECUTE_READ, false, true, false, true);
    static final GdtEntry DATA = new GdtEntry(0, FLAT_LIMIT, GdtEntry.TYPE_DATA_READ_WRITE, false, false, true, true);
    static final GdtEntry TSS = new GdtEntry(0, TSS_LIMIT, GdtEntry.TYPE_TSS_BUSY, true, false, false, false);

    /** In long mode a TSS descriptor takes two slots (the second holds base bits 63:32). */
    static final int SIZE = TSS_SELECTOR + 16;
    static final int LIMIT = SIZE - 1;
    /**
     * An IDT with no gates (nothing at {@link MemoryLayout#BOOT_IDT} is ever read): a fault
     * before the kernel installs its own IDT triple-faults, which KVM reports as a shutdown.
     */
    static final int IDT_LIMIT = 0;

    private BootGdt() {
    }

    static void write(GuestMemory memory) {
        memory.fill(MemoryLayout.BOOT_GDT, SIZE, (byte) 0);
        memory.write64(MemoryLayout.BOOT_GDT + CODE32_SELECTOR, CODE32.encode());
        memory.write64(MemoryLayout.BOOT_GDT + CODE64_SELECTOR, CODE64.encode());
        memory.write64(MemoryLayout.BOOT_GDT + DATA_SELECTOR, DATA.encode());
        memory.write64(MemoryLayout.BOOT_GDT + TSS_SELECTOR, TSS.encode());
    }
}
