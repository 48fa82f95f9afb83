package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import static dev.kvmunit.internal.vmm.boot.BootParamsOffsets.*;

/**
 * Writes {@code struct boot_params} (the "zero page") at {@link MemoryLayout#ZERO_PAGE} for the
 * 64-bit boot protocol: the bzImage's own setup header, then what a boot loader fills in
 * (boot.rst, zero-page.rst).
 */
final class ZeroPage {
    /** "Undefined" boot loader id: kvmunit has no assigned one. */
    static final int TYPE_OF_LOADER_UNDEFINED = 0xFF;
    /** VGA "normal" mode; there is no VGA, but 0xffff means "ask the user" and would stall. */
    static final int VID_MODE_NORMAL = 0xFFFF;
    /**
     * End of the setup heap relative to the setup code, as boot.rst's sample loader sets it
     * for a LOADED_HIGH kernel; only the 16-bit entry uses it, but loaders set it regardless.
     */
    static final int HEAP_END = 0xE000;
    /** Protocol version stamped into the header made up for a vmlinux, as Linux's own PVH code does. */
    static final int SYNTHETIC_PROTOCOL = 0x020C;

    private ZeroPage() {
    }

    static void write(GuestMemory memory, KernelImage kernel, long cmdline, InitramfsImage initramfs,
                      E820Map e820, long rsdpAddress) {
        long zp = MemoryLayout.ZERO_PAGE;
        memory.fill(zp, SIZE, (byte) 0);
        if (kernel instanceof BzImage bz) {
            memory.write(zp + SETUP_HEADER, bz.setupHeader());
        } else {
            memory.write16(zp + BOOT_FLAG, BOOT_FLAG_MAGIC);
            memory.write32(zp + HEADER, HEADER_MAGIC);
            memory.write16(zp + VERSION, SYNTHETIC_PROTOCOL);
            memory.write8(zp + LOADFLAGS, LOADED_HIGH);
        }
        memory.write16(zp + VID_MODE, VID_MODE_NORMAL);
        memory.write8(zp + TYPE_OF_LOADER, TYPE_OF_LOADER_UNDEFINED);
        memory.write8(zp + LOADFLAGS, memory.readU8(zp + LOADFLAGS) | CAN_USE_HEAP);
        memory.write16(zp + HEAP_END_PTR, HEAP_END - 0x200);
        writeSplit(memory, zp + CMD_LINE_PTR, zp + EXT_CMD_LINE_PTR, cmdline);
        writeSplit(memory, zp + RAMDISK_IMAGE, zp + EXT_RAMDISK_IMAGE, initramfs.address());
        writeSplit(memory, zp + RAMDISK_SIZE, zp + EXT_RAMDISK_SIZE, initramfs.size());
        memory.write64(zp + ACPI_RSDP_ADDR, rsdpAddress);
        writeE820(memory, zp, e820);
    }

    /** A 64-bit value split into a setup header field (low half) and its {@code ext_} field. */
    private static void writeSplit(GuestMemory memory, long low, long high, long value) {
        memory.write32(low, value & 0xFFFF_FFFFL);
        memory.write32(high, value >>> 32);
    }

    private static void writeE820(GuestMemory memory, long zp, E820Map e820) {
        if (e820.entries().size() > E820_MAX_ENTRIES) {
            throw new IllegalArgumentException("the zero page holds at most " + E820_MAX_ENTRIES + " e820 entries");
        }
        long at = zp + E820_TABLE;
        for (E820Map.Entry entry : e820.entries()) {
            memory.write64(at, entry.address());
            memory.write64(at + 8, entry.size());
            memory.write32(at + 16, entry.type());
            at += E820_ENTRY_SIZE;
        }
        memory.write8(zp + E820_ENTRIES, e820.entries().size());
    }
}
