package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An uncompressed ELF64 x86_64 vmlinux. Its PT_LOAD segments go to their physical addresses.
 * It is entered through the PVH entry point when the image carries a Xen
 * {@code XEN_ELFNOTE_PHYS32_ENTRY} note (32-bit protected mode, no decompression step), else
 * through its ELF entry point, which for vmlinux is the physical address of
 * {@code startup_64} (64-bit boot protocol).
 */
public final class ElfKernel implements KernelImage {
    /** x86's COMMAND_LINE_SIZE is 2048 including the NUL; a vmlinux has no header saying so. */
    static final int COMMAND_LINE_SIZE = 2048;
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private static final int EI_NIDENT = 16;
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int MAX_PHDRS = 256;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ET_EXEC = 2;
    private static final int EM_X86_64 = 62;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int MAX_NOTES_SIZE = 1 << 20;

    /** A PT_LOAD segment: file bytes copied to {@code physicalAddress}, the rest up to memorySize zeroed. */
    public record Segment(long fileOffset, long physicalAddress, long fileSize, long memorySize) {
        long end() {
            return physicalAddress + memorySize;
        }

        boolean contains(long address) {
            return address >= physicalAddress && address < end();
        }
    }

    private final Path path;
    private final List<Segment> segments;
    private final long entry;
    private final Long pvhEntry;

    private ElfKernel(Path path, List<Segment> segments, long entry, Long pvhEntry) {
        this.path = path;
        this.segments = List.copyOf(segments);
        this.entry = entry;
        this.pvhEntry = pvhEntry;
    }

    static boolean hasElfMagic(ByteBuffer start) {
        return start.limit() >= 4 && start.get(0) == 0x7F && start.get(1) == 'E' && start.get(2) == 'L'
                && start.get(3) == 'F';
    }

    static ElfKernel parse(KernelFile file) {
        Path path = file.path();
        // Class and byte order first: a 32-bit ELF header is shorter than a 64-bit one, and
        // "32-bit" is the more useful complaint than "truncated".
        ByteBuffer ident = file.read(0, EI_NIDENT, "the ELF identification");
        if (ident.get(4) != ELFCLASS64) {
            throw new KernelImageException(path, "is a 32-bit ELF file (EI_CLASS " + ident.get(4)
                    + "); expected a 64-bit x86_64 vmlinux");
        }
        if (ident.get(5) != ELFDATA2LSB) {
            throw new KernelImageException(path, "is a big-endian ELF file; expected a little-endian x86_64 vmlinux");
        }
        ByteBuffer ehdr = file.read(0, EHDR_SIZE, "the ELF header");
        int machine = Short.toUnsignedInt(ehdr.getShort(18));
        if (machine != EM_X86_64) {
            throw new KernelImageException(path, "is an ELF file for machine " + machine
                    + ", not x86_64 (EM_X86_64 = 62); expected an x86_64 vmlinux");
        }
        int type = Short.toUnsignedInt(ehdr.getShort(16));
        if (type != ET_EXEC) {
            throw new KernelImageException(path, "is an ELF file of type " + type
                    + ", not an executable (ET_EXEC = 2) as a vmlinux is");
        }
        long entry = ehdr.getLong(24);
        long phoff = ehdr.getLong(32);
        int phentsize = Short.toUnsignedInt(ehdr.getShort(54));
        int phnum = Short.toUnsignedInt(ehdr.getShort(56));
        if (phnum == 0 || phnum > MAX_PHDRS || phentsize < PHDR_SIZE) {
            throw new KernelImageException(path, "has " + phnum + " program headers of " + phentsize
                    + " bytes; a vmlinux has 1.." + MAX_PHDRS + " headers of at least " + PHDR_SIZE + " bytes");
        }
        ByteBuffer phdrs = file.read(phoff, phnum * phentsize, "the ELF program headers");

        List<Segment> segments = new ArrayList<>();
        Long pvhEntry = null;
        for (int i = 0; i < phnum; i++) {
            int at = i * phentsize;
            int pType = phdrs.getInt(at);
            long offset = phdrs.getLong(at + 8);
            long paddr = phdrs.getLong(at + 24);
            long filesz = phdrs.getLong(at + 32);
            long memsz = phdrs.getLong(at + 40);
            if (pType == PT_LOAD) {
                segments.add(checkedSegment(file, i, offset, paddr, filesz, memsz));
            } else if (pType == PT_NOTE && pvhEntry == null) {
                pvhEntry = findPvhEntry(file, i, offset, filesz);
            }
        }
        if (segments.isEmpty()) {
            throw new KernelImageException(path, "has no PT_LOAD segments; nothing to load");
        }
        requireInsideSegments(path, segments, entry, "ELF entry point");
        if (pvhEntry != null) {
            requireInsideSegments(path, segments, pvhEntry, "PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)");
        }
        return new ElfKernel(path, segments, entry, pvhEntry);
    }

    private static Segment checkedSegment(KernelFile file, int index, long offset, long paddr, long filesz, long memsz) {
        String what = "PT_LOAD segment " + index;
        file.requireInFile(offset, filesz, what);
        if (filesz > memsz) {
            throw new KernelImageException(file.path(), String.format(
                    "%s has p_filesz 0x%x larger than p_memsz 0x%x; corrupt ELF", what, filesz, memsz));
        }
        if (paddr < MemoryLayout.KERNEL_START || memsz > MemoryLayout.MAX_RAM - paddr || paddr > MemoryLayout.MAX_RAM) {
            throw new KernelImageException(file.path(), String.format(
                    "%s wants physical [0x%x, +0x%x), outside [1 MiB, 0x%x) where kvmunit loads kernels; "
                            + "is this a vmlinux (physical addresses in p_paddr)?", what, paddr, memsz,
                    MemoryLayout.MAX_RAM));
        }
        return new Segment(offset, paddr, filesz, memsz);
    }

    /** Walks the notes of one PT_NOTE segment for the Xen PVH entry; null when absent. */
    private static Long findPvhEntry(KernelFile file, int index, long offset, long size) {
        if (size > MAX_NOTES_SIZE) {
            throw new KernelImageException(file.path(), "PT_NOTE segment " + index + " is " + size
                    + " bytes; more than the " + MAX_NOTES_SIZE + " a vmlinux plausibly has");
        }
        ByteBuffer notes = file.read(offset, (int) size, "PT_NOTE segment " + index);
        int at = 0;
        while (size - at >= 12) {
            long nameSize = Integer.toUnsignedLong(notes.getInt(at));
            long descSize = Integer.toUnsignedLong(notes.getInt(at + 4));
            int type = notes.getInt(at + 8);
            long nameStart = at + 12L;
            long descStart = nameStart + align4(nameSize);
            long next = descStart + align4(descSize);
            if (next > size) {
                throw new KernelImageException(file.path(), String.format(
                        "note at offset 0x%x of PT_NOTE segment %d runs past the segment's end; corrupt ELF",
                        offset + at, index));
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && isXenName(notes, (int) nameStart, nameSize)) {
                if (descSize < 4) {
                    throw new KernelImageException(file.path(),
                            "Xen PHYS32_ENTRY note has a " + descSize + "-byte address; expected 4 or 8 bytes");
                }
                // Linux emits it with _ASM_PTR (8 bytes on x86_64); the value is a 32-bit address either way.
                return Integer.toUnsignedLong(notes.getInt((int) descStart));
            }
            at = (int) next;
        }
        return null;
    }

    private static boolean isXenName(ByteBuffer notes, int start, long size) {
        return size == 4 && notes.get(start) == 'X' && notes.get(start + 1) == 'e' && notes.get(start + 2) == 'n'
                && notes.get(start + 3) == 0;
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    private static void requireInsideSegments(Path path, List<Segment> segments, long address, String what) {
        if (segments.stream().noneMatch(s -> s.contains(address))) {
            throw new KernelImageException(path, String.format(
                    "%s 0x%x is not inside any PT_LOAD segment; not a vmlinux with physical entry addresses?",
                    what, address));
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** A vmlinux carries its version only inside its code; none is read. */
    @Override
    public Optional<String> version() {
        return Optional.empty();
    }

    public List<Segment> segments() {
        return segments;
    }

    /** The ELF entry point: physical address of the 64-bit entry for a vmlinux. */
    public long elfEntry() {
        return entry;
    }

    /** The 32-bit PVH entry from the Xen note, if the kernel was built with CONFIG_PVH. */
    public OptionalLong pvhEntry() {
        return pvhEntry == null ? OptionalLong.empty() : OptionalLong.of(pvhEntry);
    }

    @Override
    public long footprintEnd() {
        return segments.stream().mapToLong(Segment::end).max().orElseThrow();
    }

    @Override
    public int maxCommandLineLength() {
        return COMMAND_LINE_SIZE - 1;
    }

    /** Nothing in a vmlinux limits it; the kernel reaches all of its RAM from its first instruction. */
    @Override
    public long initramfsLimit() {
        return MemoryLayout.MAX_RAM;
    }

    @Override
    public long entry64() {
        return entry;
    }

    @Override
    public void loadInto(GuestMemory memory) {
        try (KernelFile file = KernelFile.open(path)) {
            for (Segment s : segments) {
                String what = String.format("PT_LOAD segment at physical 0x%x", s.physicalAddress());
                file.copyTo(memory, s.fileOffset(), s.physicalAddress(), s.fileSize(), what);
                memory.fill(s.physicalAddress() + s.fileSize(), s.memorySize() - s.fileSize(), (byte) 0);
            }
        }
    }
}
