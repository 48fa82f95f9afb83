package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

/**
 * 4-level page tables mapping the low 4 GiB virtual = physical with 2 MiB pages: one PML4
 * entry, four PDPT entries and four page directories. boot.rst asks for the kernel, zero page
 * and command line to be identity mapped; 4 GiB covers them and the MMIO window wherever RAM
 * ends.
 */
final class IdentityPageTables {
    static final long PRESENT = 1;
    static final long WRITABLE = 1 << 1;
    static final long PAGE_SIZE_2M = 1 << 7;
    static final int DIRECTORIES = 4;
    private static final int ENTRIES = 512;
    static final long TABLE_SIZE = 4096;
    private static final long PAGE_2M = 2L << 20;

    private IdentityPageTables() {
    }

    /** Writes the tables; CR3 is {@link MemoryLayout#PML4}. */
    static void write(GuestMemory memory) {
        memory.fill(MemoryLayout.PML4, TABLE_SIZE, (byte) 0);
        memory.fill(MemoryLayout.PDPT, TABLE_SIZE, (byte) 0);
        memory.write64(MemoryLayout.PML4, MemoryLayout.PDPT | PRESENT | WRITABLE);
        for (int d = 0; d < DIRECTORIES; d++) {
            long directory = MemoryLayout.PD + d * TABLE_SIZE;
            memory.write64(MemoryLayout.PDPT + d * 8L, directory | PRESENT | WRITABLE);
            for (int e = 0; e < ENTRIES; e++) {
                long physical = ((long) d * ENTRIES + e) * PAGE_2M;
                memory.write64(directory + e * 8L, physical | PRESENT | WRITABLE | PAGE_SIZE_2M);
            }
        }
    }
}
