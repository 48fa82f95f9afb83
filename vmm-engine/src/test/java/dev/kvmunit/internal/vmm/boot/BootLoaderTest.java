package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Offsets are spelled out from bootparam.h and start_info.h so a wrong constant in production shows. */
class BootLoaderTest {
    private static final long MIB = 1 << 20;
    private static final long ZP = 0x7000;
    private static final long RSDP = 0xE0000;

    @TempDir
    Path dir;
    private GuestMemory memory;

    @BeforeEach
    void allocate() {
        memory = GuestMemory.forTesting(64 * MIB);
    }

    @AfterEach
    void free() {
        memory.close();
    }

    @Test
    void bzImageGetsAZeroPageBuiltFromItsSetupHeader() {
        SyntheticKernels.BzImageBuilder builder = SyntheticKernels.bzImage();
        KernelImage kernel = KernelImage.load(builder.write(dir));
        Path base = SyntheticKernels.write(dir, "base", SyntheticKernels.pattern(10_001, 4));
        Path overlay = SyntheticKernels.write(dir, "overlay", SyntheticKernels.pattern(99, 5));
        memory.fill(ZP, 4096, (byte) 0x77);

        BootCpuState state = BootLoader.prepare(memory, kernel, List.of(base, overlay), "console=ttyS0 quiet", RSDP);

        byte[] header = builder.build();
        assertArrayEquals(Arrays.copyOfRange(header, 0x202, 0x210), memory.read(ZP + 0x202, 0x0E), "header copied");
        assertEquals(0x5A, memory.readU8(ZP + 0x268), "fields past protocol 2.12 copied too");
        assertEquals(0xAA55, memory.readU16(ZP + 0x1FE));
        assertEquals(0x020F, memory.readU16(ZP + 0x206));
        assertEquals(0xFFFF, memory.readU16(ZP + 0x1FA), "vid_mode");
        assertEquals(0xFF, memory.readU8(ZP + 0x210), "type_of_loader");
        assertEquals(0x81, memory.readU8(ZP + 0x211), "loadflags CAN_USE_HEAP | LOADED_HIGH");
        assertEquals(0xDE00, memory.readU16(ZP + 0x224), "heap_end_ptr");
        assertEquals(MemoryLayout.CMDLINE, memory.readU32(ZP + 0x228), "cmd_line_ptr");
        assertEquals(0, memory.readU32(ZP + 0x0C8), "ext_cmd_line_ptr");
        assertEquals("console=ttyS0 quiet", cString(memory.readU32(ZP + 0x228)));
        assertEquals(RSDP, memory.readU64(ZP + 0x070), "acpi_rsdp_addr");
        assertEquals(0, memory.readU64(ZP + 0x000), "start of screen_info cleared");

        long ramdisk = memory.readU32(ZP + 0x218);
        long ramdiskSize = memory.readU32(ZP + 0x21C);
        assertEquals(10_004 + 99, ramdiskSize);
        assertEquals(0, ramdisk % 4096);
        assertTrue(ramdisk >= kernel.footprintEnd() && ramdisk + ramdiskSize <= 64 * MIB);
        assertEquals(64 * MIB - 3 * 4096, ramdisk, "as high as possible");
        assertEquals(0, memory.readU32(ZP + 0x0C0), "ext_ramdisk_image");
        assertEquals(0, memory.readU32(ZP + 0x0C4), "ext_ramdisk_size");
        assertArrayEquals(SyntheticKernels.pattern(99, 5), memory.read(ramdisk + 10_004, 99));

        assertEquals(3, memory.readU8(ZP + 0x1E8), "e820_entries");
        assertE820(ZP + 0x2D0, 20, 0, 0x9FC00, 1);
        assertE820(ZP + 0x2D0 + 20, 20, 0x9FC00, 0x100000 - 0x9FC00, 2);
        assertE820(ZP + 0x2D0 + 40, 20, 0x100000, 63 * MIB, 1);

        assertEquals(0x100200, state.registers().rip());
        assertEquals(ZP, state.registers().rsi());
        assertEquals(MemoryLayout.PML4, state.specialRegisters().cr3());
        assertNotEquals(0, memory.readU64(MemoryLayout.PML4), "page tables written");
        assertArrayEquals(SyntheticKernels.pattern(0x3000, 7), memory.read(MemoryLayout.KERNEL_START, 0x3000));
    }

    @Test
    void initramfsStaysBelowInitrdAddrMax() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().initrdAddrMax(0x27F_FFFFL).write(dir));
        Path initramfs = SyntheticKernels.write(dir, "initramfs", new byte[5000]);

        BootLoader.prepare(memory, kernel, List.of(initramfs), "", 0);

        assertEquals(40 * MIB - 2 * 4096, memory.readU32(ZP + 0x218));
    }

    @Test
    void withoutInitramfsTheRamdiskFieldsAreZero() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().write(dir));
        BootLoader.prepare(memory, kernel, List.of(), "", 0);
        assertEquals(0, memory.readU32(ZP + 0x218));
        assertEquals(0, memory.readU32(ZP + 0x21C));
        assertEquals(0, memory.readU64(ZP + 0x070), "no RSDP");
        assertEquals("", cString(MemoryLayout.CMDLINE));
    }

    @Test
    void vmlinuxWithoutPvhNoteGetsAMinimalZeroPage() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.elf().entry(0x100_0000)
                .load(0x100_0000, new byte[0x1000], 0x1000).write(dir));
        Path initramfs = SyntheticKernels.write(dir, "initramfs", new byte[5000]);

        BootCpuState state = BootLoader.prepare(memory, kernel, List.of(initramfs), "root=/dev/ram0", RSDP);

        assertEquals(0xAA55, memory.readU16(ZP + 0x1FE));
        assertEquals("HdrS", new String(memory.read(ZP + 0x202, 4), StandardCharsets.US_ASCII));
        assertEquals(0x020C, memory.readU16(ZP + 0x206));
        assertEquals(0xFF, memory.readU8(ZP + 0x210));
        assertEquals(MemoryLayout.CMDLINE, memory.readU32(ZP + 0x228));
        assertEquals(5000, memory.readU32(ZP + 0x21C));
        assertEquals(RSDP, memory.readU64(ZP + 0x070));
        assertEquals(3, memory.readU8(ZP + 0x1E8));
        assertEquals(0x100_0000, state.registers().rip());
        assertEquals(ZP, state.registers().rsi());
        assertEquals(0x500, state.specialRegisters().efer());
    }

    @Test
    void vmlinuxWithPvhNoteBootsThroughStartInfo() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.elf().entry(0x100_0000).pvhNote(0x100_0400, 8)
                .load(0x100_0000, new byte[0x1000], 0x1000).write(dir));
        Path initramfs = SyntheticKernels.write(dir, "initramfs", new byte[5000]);

        BootCpuState state = BootLoader.prepare(memory, kernel, List.of(initramfs), "console=hvc0", RSDP);

        long info = 0x6000;
        assertEquals(0x336E_C578L, memory.readU32(info), "magic");
        assertEquals(1, memory.readU32(info + 4), "version");
        assertEquals(1, memory.readU32(info + 12), "nr_modules");
        long modules = memory.readU64(info + 16);
        assertEquals(MemoryLayout.CMDLINE, memory.readU64(info + 24), "cmdline_paddr");
        assertEquals("console=hvc0", cString(memory.readU64(info + 24)));
        assertEquals(RSDP, memory.readU64(info + 32), "rsdp_paddr");
        long memmap = memory.readU64(info + 40);
        assertEquals(3, memory.readU32(info + 48), "memmap_entries");

        assertEquals(64 * MIB - 2 * 4096, memory.readU64(modules), "module paddr");
        assertEquals(5000, memory.readU64(modules + 8), "module size");
        assertEquals(0, memory.readU64(modules + 16), "module cmdline");
        assertE820(memmap, 24, 0, 0x9FC00, 1);
        assertE820(memmap + 24, 24, 0x9FC00, 0x100000 - 0x9FC00, 2);
        assertE820(memmap + 48, 24, 0x100000, 63 * MIB, 1);
        assertTrue(memmap + 3 * 24 <= ZP);

        assertEquals(0x100_0400, state.registers().rip());
        assertEquals(info, state.registers().rbx());
        assertEquals(0, state.specialRegisters().cr0() & 0x8000_0000L, "paging off");
    }

    @Test
    void pvhWithoutInitramfsHasNoModules() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.elf().pvhNote(0x100_0000, 4)
                .load(0x100_0000, new byte[0x1000], 0x1000).write(dir));
        BootLoader.prepare(memory, kernel, List.of(), "", 0);
        assertEquals(0, memory.readU32(0x6000 + 12));
        assertEquals(0, memory.readU64(0x6000 + 16));
    }

    @Test
    void commandLineLongerThanTheKernelAccepts() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().cmdlineSize(255).write(dir));
        BootException e = assertThrows(BootException.class,
                () -> BootLoader.prepare(memory, kernel, List.of(), "x".repeat(256), 0));
        Messages.assertContains(e, "256 bytes", "more than the 255", "cmdline_size", kernel.path().toString());
    }

    @Test
    void commandLineLongerThanTheBuffer() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().cmdlineSize(0x7FFF_FFFF).write(dir));
        BootException e = assertThrows(BootException.class,
                () -> BootLoader.prepare(memory, kernel, List.of(), "y".repeat(MemoryLayout.CMDLINE_MAX), 0));
        Messages.assertContains(e, "more than the 65535", "command line buffer");
    }

    @Test
    void commandLineOfExactlyTheKernelLimitFits() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().cmdlineSize(255).write(dir));
        BootLoader.prepare(memory, kernel, List.of(), "z".repeat(255), 0);
        assertEquals(255, cString(MemoryLayout.CMDLINE).length());
    }

    @Test
    void commandLineWithNul() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().write(dir));
        BootException e = assertThrows(BootException.class,
                () -> BootLoader.prepare(memory, kernel, List.of(), "a\0b", 0));
        Messages.assertContains(e, "NUL character at index 1");
    }

    @Test
    void ramTooSmallForTheKernelToUnpack() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().initSize(0x400_0000).write(dir));
        BootException e = assertThrows(BootException.class,
                () -> BootLoader.prepare(memory, kernel, List.of(), "", 0));
        Messages.assertContains(e, "needs guest RAM up to 0x5000000 (80 MiB)", "has 64 MiB", "more memory");
    }

    @Test
    void initramfsThatDoesNotFit() {
        KernelImage kernel = KernelImage.load(SyntheticKernels.bzImage().write(dir));
        Path big = SyntheticKernels.write(dir, "big", new byte[(int) (41 * MIB)]);
        BootException e = assertThrows(BootException.class,
                () -> BootLoader.prepare(memory, kernel, List.of(big), "", 0));
        Messages.assertContains(e, "initramfs of " + 41 * MIB + " bytes (41 MiB)", "(40 MiB free)");
    }

    private void assertE820(long at, int entrySize, long address, long size, int type) {
        assertEquals(address, memory.readU64(at), "e820 address");
        assertEquals(size, memory.readU64(at + 8), "e820 size");
        assertEquals(type, memory.readU32(at + 16), "e820 type");
        if (entrySize == 24) {
            assertEquals(0, memory.readU32(at + 20), "reserved");
        }
    }

    private String cString(long address) {
        StringBuilder s = new StringBuilder();
        for (long a = address; memory.readU8(a) != 0; a++) {
            s.append((char) memory.readU8(a));
        }
        return s.toString();
    }
}
