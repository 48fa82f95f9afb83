package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.HostMappings;
import dev.kvmunit.internal.vmm.memory.PagePattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class InitramfsLoaderTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void noPartsMeansNoInitramfs() {
        assertSame(InitramfsImage.NONE, InitramfsLoader.place(List.of(), 24 * MIB, 64 * MIB));
    }

    @Test
    void placesPartsFourByteAlignedAsHighAsPossibleOnAPageBoundary() {
        InitramfsImage image = InitramfsLoader.place(List.of(1000L, 2001L, 5L), 24 * MIB, 64 * MIB);

        assertEquals(List.of(0L, 1000L, 3004L), image.partOffsets());
        assertEquals(3009, image.size());
        assertEquals(64 * MIB - 4096, image.address(), "highest page that holds 3009 bytes");
    }

    @Test
    void endsBelowAnUnalignedLimit() {
        InitramfsImage image = InitramfsLoader.place(List.of(8192L), 24 * MIB, 0x3000_0000L - 1);
        assertEquals(0x3000_0000L - 3 * 4096, image.address());
        assertTrue(image.address() + image.size() <= 0x3000_0000L - 1);
    }

    @Test
    void fitsExactlyBetweenKernelAndLimit() {
        InitramfsImage image = InitramfsLoader.place(List.of(8 * MIB), 24 * MIB, 32 * MIB);
        assertEquals(24 * MIB, image.address());
    }

    @Test
    void reportsSizesWhenItDoesNotFit() {
        BootException e = assertThrows(BootException.class,
                () -> InitramfsLoader.place(List.of(8 * MIB, 1L), 24 * MIB, 32 * MIB));
        Messages.assertContains(e, "initramfs of 8388609 bytes (8 MiB)", "kernel's end at 0x1800000",
                "0x2000000", "(8 MiB free)", "more memory");
    }

    @Test
    void copiesPartsAndZeroesThePaddingBetweenThem() {
        byte[] first = SyntheticKernels.pattern(4097, 1);
        byte[] second = SyntheticKernels.pattern(300, 2);
        Path a = SyntheticKernels.write(dir, "base.cpio.lz4", first);
        Path b = SyntheticKernels.write(dir, "overlay.cpio", second);
        try (GuestMemory memory = GuestMemory.forTesting(8 * MIB)) {
            memory.fill(0, 8 * MIB, (byte) 0xFF);

            InitramfsImage image = InitramfsLoader.load(memory, List.of(a, b), 2 * MIB, 8 * MIB);

            assertEquals(List.of(0L, 4100L), image.partOffsets());
            assertEquals(4400, image.size());
            assertEquals(0, image.address() % 4096);
            assertArrayEquals(first, memory.read(image.address(), first.length));
            assertArrayEquals(new byte[3], memory.read(image.address() + 4097, 3));
            assertArrayEquals(second, memory.read(image.address() + 4100, second.length));
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void mapsAWholePageBaseAndCopiesTheOverlayBehindIt() throws IOException {
        byte[] base = PagePattern.bytes(2 * 4096, 1);
        byte[] overlay = PagePattern.bytes(300, 2);
        Path a = SyntheticKernels.write(dir, "base.cpio.lz4", base);
        Path b = SyntheticKernels.write(dir, "overlay.cpio", overlay);
        try (GuestMemory memory = GuestMemory.anonymous(8 * MIB)) {
            memory.fill(0, 8 * MIB, (byte) 0xFF);

            InitramfsImage image = InitramfsLoader.load(memory, List.of(a, b), 2 * MIB, 8 * MIB);

            assertEquals(List.of(0L, 8192L), image.partOffsets());
            assertArrayEquals(base, memory.read(image.address(), base.length));
            assertArrayEquals(overlay, memory.read(image.address() + 8192, overlay.length));
            assertEquals(Optional.of(a.toRealPath()), HostMappings.backingFile(memory, image.address() + 4096));
            assertEquals(Optional.empty(), HostMappings.backingFile(memory, image.address() + 8192),
                    "an overlay that is not whole pages is copied");
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void copiesAPartThatIsNotWholePages() {
        byte[] base = PagePattern.bytes(4097, 1);
        Path a = SyntheticKernels.write(dir, "base.cpio.lz4", base);
        try (GuestMemory memory = GuestMemory.anonymous(8 * MIB)) {
            InitramfsImage image = InitramfsLoader.load(memory, List.of(a), 2 * MIB, 8 * MIB);

            assertArrayEquals(base, memory.read(image.address(), base.length));
            assertEquals(Optional.empty(), HostMappings.backingFile(memory, image.address()));
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void copiesWholePagesThatLandOffAPageBoundary() {
        byte[] first = PagePattern.bytes(100, 1);
        byte[] second = PagePattern.bytes(4096, 2);
        Path a = SyntheticKernels.write(dir, "first.cpio", first);
        Path b = SyntheticKernels.write(dir, "second.cpio", second);
        try (GuestMemory memory = GuestMemory.anonymous(8 * MIB)) {
            InitramfsImage image = InitramfsLoader.load(memory, List.of(a, b), 2 * MIB, 8 * MIB);

            assertEquals(List.of(0L, 100L), image.partOffsets());
            assertArrayEquals(second, memory.read(image.address() + 100, second.length));
            assertEquals(Optional.empty(), HostMappings.backingFile(memory, image.address() + 4096));
        }
    }

    @Test
    void rejectsEmptyPart() {
        Path empty = SyntheticKernels.write(dir, "empty.cpio", new byte[0]);
        try (GuestMemory memory = GuestMemory.forTesting(4 * MIB)) {
            BootException e = assertThrows(BootException.class,
                    () -> InitramfsLoader.load(memory, List.of(empty), 2 * MIB, 4 * MIB));
            Messages.assertContains(e, "initramfs part " + empty, "is empty");
        }
    }

    @Test
    void rejectsMissingPart() {
        Path missing = dir.resolve("missing.cpio");
        try (GuestMemory memory = GuestMemory.forTesting(4 * MIB)) {
            BootException e = assertThrows(BootException.class,
                    () -> InitramfsLoader.load(memory, List.of(missing), 2 * MIB, 4 * MIB));
            Messages.assertContains(e, "initramfs part " + missing, "cannot be read", "exists");
        }
    }
}
