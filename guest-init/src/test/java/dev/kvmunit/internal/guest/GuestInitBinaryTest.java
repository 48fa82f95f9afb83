package dev.kvmunit.internal.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestInitBinaryTest {
    private static final int PT_INTERP = 3;

    @Test
    void packagedInitIsAStaticX8664Executable() {
        ByteBuffer elf = ByteBuffer.wrap(GuestInitBinary.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[] {0x7F, 'E', 'L', 'F', 2, 1}, Arrays.copyOf(elf.array(), 6), "64-bit LE ELF");
        assertEquals(62, elf.getShort(18), "e_machine x86_64");
        long programHeaders = elf.getLong(32);
        int entrySize = Short.toUnsignedInt(elf.getShort(54));
        int count = Short.toUnsignedInt(elf.getShort(56));
        for (int i = 0; i < count; i++) {
            int type = elf.getInt((int) (programHeaders + (long) i * entrySize));
            // no PT_INTERP: the guest has no dynamic loader when the init starts
            assertTrue(type != PT_INTERP, "kvmunit-init must be linked statically");
        }
    }

    @Test
    void writtenInitIsExecutable(@TempDir Path dir) throws IOException {
        Path init = GuestInitBinary.writeTo(dir);
        assertEquals(dir.resolve(GuestInitBinary.FILE_NAME), init);
        assertTrue(Files.isExecutable(init));
        assertArrayEquals(GuestInitBinary.bytes(), Files.readAllBytes(init));
        GuestInitBinary.writeTo(dir); // replacing an existing copy works too
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }
}
