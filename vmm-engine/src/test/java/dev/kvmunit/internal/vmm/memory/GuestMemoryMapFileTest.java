package dev.kvmunit.internal.vmm.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

@EnabledOnOs(OS.LINUX)
class GuestMemoryMapFileTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = GuestMemory.PAGE_SIZE;

    @TempDir
    Path dir;

    @Test
    void guestSeesTheFileBytesAndTheNeighboursAreUntouched() throws IOException {
        byte[] content = PagePattern.bytes(3 * (int) PAGE, 7);
        Path file = write("base.cpio.lz4", content);
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            memory.fill(0, MIB, (byte) 0xAA);

            memory.mapFile(4 * PAGE, file, content.length);

            assertArrayEquals(content, memory.read(4 * PAGE, content.length));
            assertEquals(0xAA, memory.readU8(4 * PAGE - 1));
            assertEquals(0xAA, memory.readU8(7 * PAGE));
            assertEquals(Optional.of(file.toRealPath()), HostMappings.backingFile(memory, 5 * PAGE));
            assertEquals(Optional.empty(), HostMappings.backingFile(memory, 7 * PAGE));
        }
    }

    @Test
    void guestWritesStayPrivateToTheirMemory() throws IOException {
        byte[] content = PagePattern.bytes(2 * (int) PAGE, 3);
        Path file = write("base.cpio.lz4", content);
        try (GuestMemory first = GuestMemory.anonymous(MIB);
             GuestMemory second = GuestMemory.anonymous(MIB)) {
            first.mapFile(0, file, content.length);
            first.write32(PAGE + 8, 0xDEADBEEFL);

            second.mapFile(0, file, content.length);

            assertEquals(0xDEADBEEFL, first.readU32(PAGE + 8));
            assertArrayEquals(content, Files.readAllBytes(file), "the file never sees a guest write");
            assertArrayEquals(content, second.read(0, content.length), "another VM sees the original bytes");
        }
    }

    @Test
    void mapsAPrefixOfALongerFile() throws IOException {
        byte[] content = PagePattern.bytes(2 * (int) PAGE + 100, 5);
        Path file = write("longer", content);
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            memory.mapFile(0, file, 2 * PAGE);

            assertArrayEquals(Arrays.copyOf(content, 2 * (int) PAGE), memory.read(0, 2 * (int) PAGE));
            assertEquals(0, memory.readU8(2 * PAGE), "the page after the mapping stays anonymous");
        }
    }

    @Test
    void closeUnmapsTheFileWithTheRest() throws IOException {
        Path file = write("base.cpio.lz4", PagePattern.bytes((int) PAGE, 1));
        GuestMemory memory = GuestMemory.anonymous(MIB);
        memory.mapFile(0, file, PAGE);
        Path real = file.toRealPath();
        assertTrue(mapped(real));

        memory.close();

        assertFalse(mapped(real), "no mapping of the file survives close");
        assertFalse(memory.canMapFiles());
    }

    @Test
    void rejectsUnalignedAddressAndLength() throws IOException {
        Path file = write("base", PagePattern.bytes(2 * (int) PAGE, 1));
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            IllegalArgumentException address = assertThrows(IllegalArgumentException.class,
                    () -> memory.mapFile(PAGE + 4, file, PAGE));
            assertContains(address.getMessage(), file.toString(), "0x1004", "multiples of 4096");
            IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                    () -> memory.mapFile(0, file, PAGE + 1));
            assertContains(length.getMessage(), "0x1001", "multiples of 4096");
            assertThrows(IllegalArgumentException.class, () -> memory.mapFile(0, file, 0));
        }
    }

    @Test
    void rejectsARangeOutsideGuestRam() throws IOException {
        Path file = write("base", PagePattern.bytes(2 * (int) PAGE, 1));
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> memory.mapFile(MIB - PAGE, file, 2 * PAGE));
            assertContains(e.getMessage(), "outside guest RAM", "0x100000");
        }
    }

    @Test
    void refusesAFileShorterThanTheLengthAndKeepsTheOldPages() throws IOException {
        Path file = write("short", PagePattern.bytes((int) PAGE, 1));
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            memory.fill(0, 2 * PAGE, (byte) 0x55);
            EOFException e = assertThrows(EOFException.class, () -> memory.mapFile(0, file, 2 * PAGE));
            assertContains(e.getMessage(), file.toString(), "holds only 0x1000 bytes");
            assertEquals(0x55, memory.readU8(PAGE));
        }
    }

    @Test
    void refusesWhatIsNotARegularFile() throws IOException {
        Path missing = dir.resolve("missing");
        try (GuestMemory memory = GuestMemory.anonymous(MIB)) {
            IOException notThere = assertThrows(IOException.class, () -> memory.mapFile(0, missing, PAGE));
            assertContains(notThere.getMessage(), missing.toString(), "not a regular file");
            IOException directory = assertThrows(IOException.class, () -> memory.mapFile(0, dir, PAGE));
            assertContains(directory.getMessage(), dir.toString(), "not a regular file");
        }
    }

    @Test
    void heapMemoryForTestsRefusesToMapFiles() throws IOException {
        Path file = write("base", PagePattern.bytes((int) PAGE, 1));
        try (GuestMemory memory = GuestMemory.forTesting(MIB)) {
            assertFalse(memory.canMapFiles());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> memory.mapFile(0, file, PAGE));
            assertContains(e.getMessage(), "forTesting", "GuestMemory.anonymous");
        }
    }

    @Test
    void closedMemoryRefusesToMapFiles() throws IOException {
        Path file = write("base", PagePattern.bytes((int) PAGE, 1));
        GuestMemory memory = GuestMemory.anonymous(MIB);
        memory.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> memory.mapFile(0, file, PAGE));
        assertContains(e.getMessage(), "closed");
    }

    private static boolean mapped(Path file) {
        return HostMappings.read().stream().anyMatch(m -> m.path().equals(file.toString()));
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected \"" + part + "\" in: " + message);
        }
    }
}
