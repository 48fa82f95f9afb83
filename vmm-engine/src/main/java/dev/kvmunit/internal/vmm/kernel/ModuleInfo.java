package dev.kvmunit.internal.vmm.kernel;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code .modinfo} section of a kernel module (.ko, .ko.xz or .ko.gz): its name and the
 * modules it depends on. Needed because Debian's kernel packages ship no modules.dep (depmod
 * writes it when the package is installed) and kvmunit installs nothing.
 *
 * <p>Module files are parsed defensively: every offset read from the ELF headers is checked
 * against the file before use.
 */
public record ModuleInfo(String name, List<String> depends) {
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ELF64_HEADER_SIZE = 0x40;
    private static final int ELF64_SECTION_HEADER_SIZE = 0x40;

    public ModuleInfo {
        depends = List.copyOf(depends);
    }

    /** Whether a file name is a kernel module kvmunit can read. */
    static boolean isModuleFile(String fileName) {
        return fileName.endsWith(".ko") || fileName.endsWith(".ko.xz") || fileName.endsWith(".ko.gz")
                || fileName.endsWith(".ko.zst");
    }

    /** Module name as the kernel spells it ('-' becomes '_'), from a module's file name. */
    static String nameOfFile(String fileName) {
        int ko = fileName.lastIndexOf(".ko");
        return normalize(ko > 0 ? fileName.substring(0, ko) : fileName);
    }

    /** The kernel treats '-' and '_' in module names alike; kvmunit keys modules by the '_' form. */
    static String normalize(String moduleName) {
        return moduleName.replace('-', '_');
    }

    public static ModuleInfo read(Path module) {
        byte[] elf = decompressed(module);
        String section = modinfoSection(module, elf);
        String name = null;
        List<String> depends = new ArrayList<>();
        for (String field : section.split("\0")) {
            if (field.startsWith("name=")) {
                name = field.substring(5);
            } else if (field.startsWith("depends=")) {
                for (String dep : field.substring(8).split(",")) {
                    if (!dep.isBlank()) {
                        depends.add(normalize(dep.strip()));
                    }
                }
            }
        }
        return new ModuleInfo(normalize(name != null ? name : nameOfFile(module.getFileName().toString())), depends);
    }

    private static byte[] decompressed(Path module) {
        String fileName = module.getFileName().toString();
        try (InputStream raw = Files.newInputStream(module)) {
            if (fileName.endsWith(".ko.xz")) {
                try (InputStream in = new XZCompressorInputStream(raw)) {
                    return in.readAllBytes();
                }
            }
            if (fileName.endsWith(".ko.gz")) {
                try (InputStream in = new GzipCompressorInputStream(raw)) {
                    return in.readAllBytes();
                }
            }
            if (fileName.endsWith(".ko")) {
                return raw.readAllBytes();
            }
        } catch (IOException e) {
            throw new KernelException("cannot read kernel module " + module + ": " + e.getMessage(), e);
        }
        throw new KernelException("kernel module " + module + " is compressed in a way kvmunit cannot read"
                + " (.ko, .ko.xz and .ko.gz are supported): run depmod for this kernel so modules.dep exists");
    }

    private static String modinfoSection(Path module, byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < ELF64_HEADER_SIZE || !java.util.Arrays.equals(elf, 0, 4, ELF_MAGIC, 0, 4)
                || elf[4] != ELFCLASS64 || elf[5] != ELFDATA2LSB) {
            throw new KernelException(module + " is not a 64-bit little-endian ELF kernel module");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
        if (shentsize < ELF64_SECTION_HEADER_SIZE || shstrndx >= shnum
                || shoff < 0 || shoff + (long) shnum * shentsize > elf.length) {
            throw new KernelException(module + " has a corrupt ELF section header table");
        }
        long namesOffset = b.getLong((int) (shoff + (long) shstrndx * shentsize) + 0x18);
        long namesSize = b.getLong((int) (shoff + (long) shstrndx * shentsize) + 0x20);
        checkRange(module, namesOffset, namesSize, elf.length);
        for (int i = 0; i < shnum; i++) {
            int header = (int) (shoff + (long) i * shentsize);
            long nameIndex = Integer.toUnsignedLong(b.getInt(header));
            if (nameIndex < namesSize && ".modinfo".equals(cString(elf, (int) (namesOffset + nameIndex),
                    (int) (namesOffset + namesSize)))) {
                long offset = b.getLong(header + 0x18);
                long size = b.getLong(header + 0x20);
                checkRange(module, offset, size, elf.length);
                return new String(elf, (int) offset, (int) size, StandardCharsets.UTF_8);
            }
        }
        throw new KernelException(module + " has no .modinfo section; is it a kernel module?");
    }

    private static void checkRange(Path module, long offset, long size, int length) {
        if (offset < 0 || size < 0 || offset > length || size > length - offset) {
            throw new KernelException(String.format(Locale.ROOT,
                    "%s has a section at 0x%x+0x%x outside its %d bytes; the file is corrupt", module, offset, size, length));
        }
    }

    private static String cString(byte[] data, int start, int end) {
        int i = start;
        while (i < end && data[i] != 0) {
            i++;
        }
        return new String(data, start, i - start, StandardCharsets.US_ASCII);
    }
}
