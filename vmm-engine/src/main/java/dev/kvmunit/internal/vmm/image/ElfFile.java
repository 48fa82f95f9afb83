package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the dynamic loader reads from an x86_64 ELF file: its interpreter (PT_INTERP) and the
 * dynamic section's DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME. Files are untrusted input: every
 * offset and length is checked against the file, and a broken file fails with its name.
 */
record ElfFile(Path path, Optional<String> interpreter, List<String> needed, Optional<String> rpath,
               Optional<String> runpath, Optional<String> soname) {

    private static final int EM_X86_64 = 62;
    private static final int PT_LOAD = 1;
    private static final int PT_DYNAMIC = 2;
    private static final int PT_INTERP = 3;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_STRTAB = 5;
    private static final long DT_STRSZ = 10;
    private static final long DT_SONAME = 14;
    private static final long DT_RPATH = 15;
    private static final long DT_RUNPATH = 29;
    private static final int ELF64_HEADER_SIZE = 64;
    private static final int PHDR64_SIZE = 56;
    private static final int DYN64_SIZE = 16;

    /** Parses {@code path}; fails with a message naming the file if it is not a 64-bit x86_64 ELF. */
    static ElfFile read(Path path) throws ElfClosureException {
        ByteBuffer bytes = map(path);
        checkIdentity(path, bytes);
        Reader reader = new Reader(path, bytes);
        try {
            return parse(reader);
        } catch (ArithmeticException e) {
            throw reader.broken("offsets overflow 64 bits");
        }
    }

    private static ElfFile parse(Reader reader) throws ElfClosureException {
        long phoff = reader.u64(32);
        int phentsize = reader.u16(54);
        int phnum = reader.u16(56);
        if (phnum > 0 && phentsize < PHDR64_SIZE) {
            throw reader.broken("program header entries of " + phentsize + " bytes, expected " + PHDR64_SIZE);
        }
        List<long[]> loads = new ArrayList<>();
        Optional<String> interpreter = Optional.empty();
        long dynamicOffset = -1;
        long dynamicSize = 0;
        for (int i = 0; i < phnum; i++) {
            long header = Math.addExact(phoff, (long) i * phentsize);
            int type = (int) reader.u32(header);
            long offset = reader.u64(header + 8);
            long vaddr = reader.u64(header + 16);
            long filesz = reader.u64(header + 32);
            if (type == PT_LOAD) {
                loads.add(new long[] {vaddr, offset, filesz});
            } else if (type == PT_INTERP) {
                interpreter = Optional.of(reader.string(offset, offset + filesz, "PT_INTERP"));
            } else if (type == PT_DYNAMIC) {
                dynamicOffset = offset;
                dynamicSize = filesz;
            }
        }
        if (dynamicOffset < 0) {
            return new ElfFile(reader.path, interpreter, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        return readDynamic(reader, interpreter, loads, dynamicOffset, dynamicSize);
    }

    private static ElfFile readDynamic(Reader reader, Optional<String> interpreter, List<long[]> loads,
                                       long dynamicOffset, long dynamicSize) throws ElfClosureException {
        List<Long> neededOffsets = new ArrayList<>();
        long strtabAddress = -1;
        long strtabSize = -1;
        long rpath = -1;
        long runpath = -1;
        long soname = -1;
        for (long at = dynamicOffset; at + DYN64_SIZE <= dynamicOffset + dynamicSize; at += DYN64_SIZE) {
            long tag = reader.u64(at);
            long value = reader.u64(at + 8);
            if (tag == DT_NULL) {
                break;
            } else if (tag == DT_NEEDED) {
                neededOffsets.add(value);
            } else if (tag == DT_STRTAB) {
                strtabAddress = value;
            } else if (tag == DT_STRSZ) {
                strtabSize = value;
            } else if (tag == DT_RPATH) {
                rpath = value;
            } else if (tag == DT_RUNPATH) {
                runpath = value;
            } else if (tag == DT_SONAME) {
                soname = value;
            }
        }
        boolean usesStrings = !neededOffsets.isEmpty() || rpath >= 0 || runpath >= 0 || soname >= 0;
        if (!usesStrings) {
            return new ElfFile(reader.path, interpreter, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (strtabAddress < 0 || strtabSize < 0) {
            throw reader.broken("dynamic section without DT_STRTAB/DT_STRSZ");
        }
        long strtab = fileOffset(reader, loads, strtabAddress);
        long strtabEnd = Math.addExact(strtab, strtabSize);
        List<String> needed = new ArrayList<>();
        for (long offset : neededOffsets) {
            needed.add(reader.stringAt(strtab, strtabEnd, offset, "DT_NEEDED"));
        }
        return new ElfFile(reader.path, interpreter, List.copyOf(needed),
                optionalString(reader, strtab, strtabEnd, rpath, "DT_RPATH"),
                optionalString(reader, strtab, strtabEnd, runpath, "DT_RUNPATH"),
                optionalString(reader, strtab, strtabEnd, soname, "DT_SONAME"));
    }

    private static Optional<String> optionalString(Reader reader, long strtab, long strtabEnd, long offset, String what)
            throws ElfClosureException {
        return offset < 0 ? Optional.empty() : Optional.of(reader.stringAt(strtab, strtabEnd, offset, what));
    }

    /** The dynamic section holds virtual addresses; PT_LOAD segments say where they are in the file. */
    private static long fileOffset(Reader reader, List<long[]> loads, long address) throws ElfClosureException {
        for (long[] load : loads) {
            long vaddr = load[0];
            if (Long.compareUnsigned(address, vaddr) >= 0 && Long.compareUnsigned(address - vaddr, load[2]) < 0) {
                return Math.addExact(load[1], address - vaddr);
            }
        }
        throw reader.broken("string table address 0x" + Long.toHexString(address) + " is in no PT_LOAD segment");
    }

    private static void checkIdentity(Path path, ByteBuffer bytes) throws ElfClosureException {
        if (bytes.limit() < 4 || bytes.get(0) != 0x7f || bytes.get(1) != 'E' || bytes.get(2) != 'L' || bytes.get(3) != 'F') {
            throw new ElfClosureException(path + " is not an ELF file (no \\177ELF magic); only compiled x86_64"
                    + " binaries and libraries get a closure, add scripts and data files as plain files");
        }
        if (bytes.limit() < ELF64_HEADER_SIZE) {
            throw new ElfClosureException(path + " is a truncated ELF file (" + bytes.limit() + " bytes)");
        }
        int elfClass = bytes.get(4);
        int machine = Short.toUnsignedInt(bytes.order(ByteOrder.LITTLE_ENDIAN).getShort(18));
        if (elfClass != 2 || bytes.get(5) != 1 || machine != EM_X86_64) {
            String what = (elfClass == 1 ? "32-bit" : elfClass == 2 ? "64-bit" : "unknown-class")
                    + (bytes.get(5) == 2 ? " big-endian" : "") + " ELF for " + machineName(machine);
            throw new ElfClosureException(path + " is a " + what + ", but the guest is x86_64;"
                    + " build it for x86_64 (64-bit)");
        }
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case 3 -> "i386";
            case 40 -> "ARM";
            case 62 -> "x86_64";
            case 183 -> "aarch64";
            case 243 -> "RISC-V";
            default -> "machine " + machine;
        };
    }

    private static ByteBuffer map(Path path) throws ElfClosureException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            return mapped;
        } catch (NoSuchFileException e) {
            throw new ElfClosureException(path + " does not exist", e);
        } catch (IOException e) {
            throw new ElfClosureException("cannot read " + path + ": " + e, e);
        }
    }

    /** Bounds-checked little-endian access to the mapped file. */
    private static final class Reader {
        final Path path;
        private final ByteBuffer bytes;

        Reader(Path path, ByteBuffer bytes) {
            this.path = path;
            this.bytes = bytes;
        }

        long u64(long offset) throws ElfClosureException {
            return bytes.getLong(check(offset, 8));
        }

        long u32(long offset) throws ElfClosureException {
            return Integer.toUnsignedLong(bytes.getInt(check(offset, 4)));
        }

        int u16(long offset) throws ElfClosureException {
            return Short.toUnsignedInt(bytes.getShort(check(offset, 2)));
        }

        /** A NUL-terminated string inside [start, end). */
        String string(long start, long end, String what) throws ElfClosureException {
            check(start, 0);
            long limit = Math.min(end, bytes.limit());
            for (long i = start; i < limit; i++) {
                if (bytes.get((int) i) == 0) {
                    byte[] text = new byte[(int) (i - start)];
                    bytes.get((int) start, text);
                    return new String(text, StandardCharsets.UTF_8);
                }
            }
            throw broken(what + " string at offset " + start + " is not NUL-terminated within its bounds");
        }

        String stringAt(long table, long tableEnd, long offset, String what) throws ElfClosureException {
            if (Long.compareUnsigned(offset, tableEnd - table) >= 0) {
                throw broken(what + " offset " + offset + " lies outside the string table");
            }
            return string(table + offset, tableEnd, what);
        }

        private int check(long offset, int length) throws ElfClosureException {
            if (offset < 0 || offset > bytes.limit() - (long) length) {
                throw broken("offset " + offset + " (+" + length + ") lies beyond the end of the file (" + bytes.limit()
                        + " bytes)");
            }
            return (int) offset;
        }

        ElfClosureException broken(String detail) {
            return new ElfClosureException(path + " is a truncated or corrupt ELF file: " + detail);
        }
    }
}
