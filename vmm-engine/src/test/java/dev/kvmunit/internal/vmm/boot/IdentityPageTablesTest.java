package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IdentityPageTablesTest {
    private GuestMemory memory;

    @BeforeEach
    void writeTables() {
        memory = GuestMemory.forTesting(1 << 20);
        memory.fill(0, 1 << 20, (byte) 0xA5);
        IdentityPageTables.write(memory);
    }

    @AfterEach
    void free() {
        memory.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 0x7000, 0x100200, 0x1FFFFF, 0x200000, 0x123456, 0x3FFF_FFFFL, 0x4000_0000L,
            0xBFFF_FFFFL, 0xD000_0000L, 0xFEE0_0000L, 0xFFFF_FFFFL})
    void mapsTheLowFourGigabytesOneToOne(long address) {
        assertEquals(address, walk(address));
    }

    @Test
    void mapsNothingAboveFourGigabytes() {
        assertThrows(PageFault.class, () -> walk(0x1_0000_0000L));
        assertThrows(PageFault.class, () -> walk(0x80_0000_0000L));
    }

    /** A 4-level walk as the MMU does it, accepting only 2 MiB leaves, which is all the tables hold. */
    private long walk(long virtual) {
        long pml4e = entry(MemoryLayout.PML4, virtual >>> 39);
        long pdpte = entry(pml4e & 0xF_FFFF_FFFF_F000L, virtual >>> 30);
        if ((pdpte & 0x80) != 0) {
            throw new AssertionError("unexpected 1 GiB page");
        }
        long pde = entry(pdpte & 0xF_FFFF_FFFF_F000L, virtual >>> 21);
        if ((pde & 0x80) == 0) {
            throw new AssertionError("expected a 2 MiB page at " + Long.toHexString(virtual));
        }
        return (pde & 0xF_FFFF_FFE0_0000L) | (virtual & 0x1F_FFFF);
    }

    private long entry(long table, long index) {
        long e = memory.readU64(table + (index & 511) * 8);
        if ((e & 1) == 0) {
            throw new PageFault();
        }
        if ((e & 2) == 0) {
            throw new AssertionError("boot mappings must be writable");
        }
        return e;
    }

    private static final class PageFault extends RuntimeException {
    }
}
