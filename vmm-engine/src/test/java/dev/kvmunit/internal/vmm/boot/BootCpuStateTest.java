package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.Segment;
import dev.kvmunit.internal.vmm.cpu.SpecialRegisters;
import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BootCpuStateTest {
    private GuestMemory memory;

    @BeforeEach
    void writeGdt() {
        memory = GuestMemory.forTesting(1 << 20);
        memory.fill(0, 1 << 20, (byte) 0xA5);
        BootGdt.write(memory);
    }

    @AfterEach
    void free() {
        memory.close();
    }

    @Test
    void gdtHoldsTheWellKnownFlatDescriptors() {
        assertEquals(0, memory.readU64(MemoryLayout.BOOT_GDT));
        assertEquals(0x00CF_9B00_0000_FFFFL, memory.readU64(MemoryLayout.BOOT_GDT + 0x08), "32-bit code");
        assertEquals(0x00AF_9B00_0000_FFFFL, memory.readU64(MemoryLayout.BOOT_GDT + 0x10), "__BOOT_CS");
        assertEquals(0x00CF_9300_0000_FFFFL, memory.readU64(MemoryLayout.BOOT_GDT + 0x18), "__BOOT_DS");
        assertEquals(0x0000_8B00_0000_0067L, memory.readU64(MemoryLayout.BOOT_GDT + 0x20), "busy TSS");
        assertEquals(0, memory.readU64(MemoryLayout.BOOT_GDT + 0x28), "TSS base bits 63:32");
    }

    @Test
    void longModeFollowsTheSixtyFourBitBootProtocol() {
        BootCpuState state = BootCpuState.longMode(0x100200);
        SpecialRegisters s = state.specialRegisters();

        assertEquals(0x10, s.cs().selector());
        for (Segment data : List.of(s.ds(), s.es(), s.ss(), s.fs(), s.gs())) {
            assertEquals(0x18, data.selector());
        }
        assertTrue(s.cs().longMode());
        assertFalse(s.cs().defaultSize(), "L=1 requires D=0");
        assertEquals(0x8000_0011L, s.cr0(), "PG | ET | PE");
        assertEquals(0x20, s.cr4(), "PAE");
        assertEquals(0x500, s.efer(), "LMA | LME");
        assertEquals(MemoryLayout.PML4, s.cr3());
        assertEquals(0x100200, state.registers().rip());
        assertEquals(MemoryLayout.ZERO_PAGE, state.registers().rsi());
        assertEquals(MemoryLayout.BOOT_STACK, state.registers().rsp());
        assertEquals(MemoryLayout.BOOT_STACK, state.registers().rbp());
        assertEquals(2, state.registers().rflags());
        assertSegmentCachesMatchGdt(s);
    }

    @Test
    void pvhEntersThirtyTwoBitProtectedModeWithoutPaging() {
        BootCpuState state = BootCpuState.pvh(0x1000180);
        SpecialRegisters s = state.specialRegisters();

        assertEquals(0x08, s.cs().selector());
        assertTrue(s.cs().defaultSize());
        assertFalse(s.cs().longMode());
        assertEquals(0x11, s.cr0(), "ET | PE, no PG");
        assertEquals(0, s.cr4());
        assertEquals(0, s.efer());
        assertEquals(0x1000180, state.registers().rip());
        assertEquals(MemoryLayout.PVH_START_INFO, state.registers().rbx());
        assertEquals(2, state.registers().rflags(), "IF clear");
        assertSegmentCachesMatchGdt(s);
    }

    /** Each segment cache must be what the CPU would load from the GDT entry its selector names. */
    private void assertSegmentCachesMatchGdt(SpecialRegisters s) {
        assertEquals(MemoryLayout.BOOT_GDT, s.gdtBase());
        assertEquals(MemoryLayout.BOOT_IDT, s.idtBase());
        assertTrue(MemoryLayout.BOOT_GDT + s.gdtLimit() + 1 <= MemoryLayout.BOOT_IDT, "GDT overlaps IDT");
        for (Segment segment : List.of(s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr())) {
            assertTrue(segment.selector() + 7 <= s.gdtLimit(), "selector inside the GDT limit");
            assertEquals(decode(memory.readU64(MemoryLayout.BOOT_GDT + segment.selector()), segment.selector()),
                    segment);
        }
        assertFalse(s.ldt().present());
    }

    /** Intel SDM vol. 3 figure 3-8, written independently of the production encoder. */
    private static Segment decode(long d, int selector) {
        long base = ((d >>> 16) & 0xFF_FFFF) | (((d >>> 56) & 0xFF) << 24);
        int limit = (int) ((d & 0xFFFF) | (((d >>> 48) & 0xF) << 16));
        boolean g = ((d >>> 55) & 1) != 0;
        return new Segment(base, g ? (limit << 12) | 0xFFF : limit, selector, (int) ((d >>> 40) & 0xF),
                ((d >>> 47) & 1) != 0, (int) ((d >>> 45) & 3), ((d >>> 54) & 1) != 0, ((d >>> 44) & 1) != 0,
                ((d >>> 53) & 1) != 0, g);
    }
}
