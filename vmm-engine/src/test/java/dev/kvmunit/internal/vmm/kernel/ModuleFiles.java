package dev.kvmunit.internal.vmm.kernel;

import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Minimal ELF64 kernel modules for tests: just a .modinfo and a section name table. */
final class ModuleFiles {
    private ModuleFiles() {
    }

    static byte[] elf(String name, String depends) {
        byte[] modinfo = ("license=GPL\0depends=" + depends + "\0name=" + name + "\0vermagic=6.12.0 SMP\0")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] names = "\0.modinfo\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int modinfoOffset = 0x40;
        int namesOffset = modinfoOffset + modinfo.length;
        int sectionHeaders = (namesOffset + names.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(sectionHeaders + 3 * 0x40).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(0x10, (short) 1); // ET_REL
        b.putShort(0x12, (short) 62); // EM_X86_64
        b.putLong(0x28, sectionHeaders);
        b.putShort(0x3A, (short) 0x40);
        b.putShort(0x3C, (short) 3);
        b.putShort(0x3E, (short) 2);
        b.put(modinfoOffset, modinfo);
        b.put(namesOffset, names);
        section(b, sectionHeaders + 0x40, 1, modinfoOffset, modinfo.length);
        section(b, sectionHeaders + 0x80, 10, namesOffset, names.length);
        return b.array();
    }

    private static void section(ByteBuffer b, int at, int nameIndex, long offset, long size) {
        b.putInt(at, nameIndex);
        b.putLong(at + 0x18, offset);
        b.putLong(at + 0x20, size);
    }

    static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream xz = new XZOutputStream(bytes, new LZMA2Options(0))) {
            xz.write(data);
        }
        return bytes.toByteArray();
    }

    /** Writes a module file under modulesDir, xz-compressed when the path ends in .xz. */
    static Path write(Path modulesDir, String path, String name, String depends) throws IOException {
        Path file = modulesDir.resolve(path);
        Files.createDirectories(file.getParent());
        byte[] elf = elf(name, depends);
        return Files.write(file, path.endsWith(".xz") ? xz(elf) : elf);
    }
}
