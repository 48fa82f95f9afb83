package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The boot structures placed by {@link MemoryLayout} must not overlap one another. */
class BootLayoutTest {
    record Area(String name, long start, long end) {
    }

    @Test
    void bootStructuresDoNotOverlap() {
        List<Area> areas = List.of(
                new Area("GDT", MemoryLayout.BOOT_GDT, MemoryLayout.BOOT_GDT + BootGdt.SIZE),
                new Area("IDT", MemoryLayout.BOOT_IDT, MemoryLayout.BOOT_IDT + 16),
                new Area("PVH start info", MemoryLayout.PVH_START_INFO, MemoryLayout.ZERO_PAGE),
                new Area("zero page", MemoryLayout.ZERO_PAGE, MemoryLayout.ZERO_PAGE + 4096),
                new Area("boot stack", MemoryLayout.ZERO_PAGE + 4096, MemoryLayout.BOOT_STACK + 16),
                new Area("page tables", MemoryLayout.PML4,
                        MemoryLayout.PD + IdentityPageTables.DIRECTORIES * IdentityPageTables.TABLE_SIZE),
                new Area("command line", MemoryLayout.CMDLINE, MemoryLayout.CMDLINE + MemoryLayout.CMDLINE_MAX),
                new Area("EBDA and BIOS area", MemoryLayout.EBDA_START, MemoryLayout.KERNEL_START));
        List<Area> sorted = areas.stream().sorted(Comparator.comparingLong(Area::start)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            Area before = sorted.get(i - 1);
            Area after = sorted.get(i);
            assertTrue(before.end() <= after.start(), before + " overlaps " + after);
        }
        assertTrue(MemoryLayout.PML4 % 4096 == 0 && MemoryLayout.PDPT % 4096 == 0 && MemoryLayout.PD % 4096 == 0);
        assertTrue(MemoryLayout.PDPT == MemoryLayout.PML4 + 4096 && MemoryLayout.PD == MemoryLayout.PDPT + 4096);
    }
}
