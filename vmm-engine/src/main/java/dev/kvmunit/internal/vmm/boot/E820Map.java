package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import java.util.List;

/**
 * The guest's physical memory map as firmware would report it (e820), derived from the RAM
 * size: low conventional memory, the reserved legacy BIOS area (where the ACPI tables live,
 * from {@link MemoryLayout#ACPI_START}), and RAM from 1 MiB up. The PVH memory map uses the
 * same entries and type codes.
 */
public record E820Map(List<Entry> entries) {
    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;

    /** One range {@code [address, address + size)} of the given e820 type. */
    public record Entry(long address, long size, int type) {
    }

    public E820Map {
        entries = List.copyOf(entries);
    }

    /**
     * The map for guest RAM {@code [0, ramSize)}.
     *
     * @throws BootException when RAM does not reach past 1 MiB or runs into the MMIO hole
     */
    public static E820Map forRam(long ramSize) {
        if (ramSize <= MemoryLayout.KERNEL_START || ramSize > MemoryLayout.MAX_RAM) {
            throw new BootException(String.format(
                    "guest RAM of 0x%x bytes is outside (1 MiB, %d MiB]: the kernel loads at 1 MiB and RAM must end "
                            + "below the MMIO hole; choose a memory size in that range",
                    ramSize, MemoryLayout.MAX_RAM >> 20));
        }
        return new E820Map(List.of(
                new Entry(0, MemoryLayout.EBDA_START, TYPE_RAM),
                new Entry(MemoryLayout.EBDA_START, MemoryLayout.KERNEL_START - MemoryLayout.EBDA_START, TYPE_RESERVED),
                new Entry(MemoryLayout.KERNEL_START, ramSize - MemoryLayout.KERNEL_START, TYPE_RAM)));
    }
}
