package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

/**
 * Writes {@code struct hvm_start_info} (xen/include/public/arch-x86/hvm/start_info.h) at
 * {@link MemoryLayout#PVH_START_INFO}, followed by its module list (the initramfs as one
 * module) and its version-1 memory map.
 */
final class PvhStartInfo {
    static final int MAGIC = 0x336E_C578;
    static final int VERSION = 1;
    static final int START_INFO_SIZE = 56;
    static final int MODULE_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;

    private PvhStartInfo() {
    }

    static void write(GuestMemory memory, long cmdline, InitramfsImage initramfs, E820Map e820, long rsdpAddress) {
        long info = MemoryLayout.PVH_START_INFO;
        int modules = initramfs.size() == 0 ? 0 : 1;
        long moduleList = info + START_INFO_SIZE;
        long memmap = moduleList + (long) modules * MODULE_ENTRY_SIZE;
        long end = memmap + (long) e820.entries().size() * MEMMAP_ENTRY_SIZE;
        if (end > MemoryLayout.ZERO_PAGE) {
            throw new IllegalArgumentException("PVH start info with " + e820.entries().size()
                    + " memory map entries runs into the zero page");
        }
        memory.fill(info, end - info, (byte) 0);
        memory.write32(info, MAGIC);
        memory.write32(info + 4, VERSION);
        memory.write32(info + 12, modules);
        memory.write64(info + 16, modules == 0 ? 0 : moduleList);
        memory.write64(info + 24, cmdline);
        memory.write64(info + 32, rsdpAddress);
        memory.write64(info + 40, memmap);
        memory.write32(info + 48, e820.entries().size());
        if (modules == 1) {
            memory.write64(moduleList, initramfs.address());
            memory.write64(moduleList + 8, initramfs.size());
        }
        long at = memmap;
        for (E820Map.Entry entry : e820.entries()) {
            memory.write64(at, entry.address());
            memory.write64(at + 8, entry.size());
            memory.write32(at + 16, entry.type());
            at += MEMMAP_ENTRY_SIZE;
        }
    }
}
