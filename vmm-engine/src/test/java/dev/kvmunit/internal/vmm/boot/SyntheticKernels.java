package dev.kvmunit.internal.vmm.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds small but structurally real bzImage and ELF vmlinux files for parser and loader tests. */
final class SyntheticKernels {
    private SyntheticKernels() {
    }

    static BzImageBuilder bzImage() {
        return new BzImageBuilder();
    }

    static ElfBuilder elf() {
        return new ElfBuilder();
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bzImage laid out as Linux 6.x builds it: MZ stub, setup sectors, then the payload. */
    static final class BzImageBuilder {
        /** Header length byte at 0x201 in 6.x kernels: the header ends at 0x26c. */
        static final int HEADER_LENGTH_BYTE = 0x6A;
        int setupSects = 27;
        int protocol = 0x020F;
        int xloadflags = 0x7F;
        int loadflags = 0x01;
        int bootFlag = 0xAA55;
        int cmdlineSize = 2047;
        long initrdAddrMax = 0x7FFF_FFFFL;
        long prefAddress = 0x100_0000;
        int kernelAlignment = 0x20_0000;
        int initSize = 0x80_0000;
        boolean relocatable = true;
        String version = "6.12.0-synthetic (builder@test) #1 SMP PREEMPT_DYNAMIC";
        byte[] payload = pattern(0x3000, 7);
        Long syssizeOverride;

        BzImageBuilder setupSects(int v) { setupSects = v; return this; }
        BzImageBuilder protocol(int v) { protocol = v; return this; }
        BzImageBuilder xloadflags(int v) { xloadflags = v; return this; }
        BzImageBuilder cmdlineSize(int v) { cmdlineSize = v; return this; }
        BzImageBuilder initrdAddrMax(long v) { initrdAddrMax = v; return this; }
        BzImageBuilder initSize(int v) { initSize = v; return this; }
        BzImageBuilder version(String v) { version = v; return this; }
        BzImageBuilder payload(byte[] v) { payload = v; return this; }
        BzImageBuilder syssize(long v) { syssizeOverride = v; return this; }
        BzImageBuilder loadflags(int v) { loadflags = v; return this; }

        int setupSize() {
            return ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        }

        /** Like the kernel's build tool, pads the payload to whole 16-byte paragraphs (syssize). */
        byte[] build() {
            byte[] padded = Arrays.copyOf(payload, (payload.length + 15) & ~15);
            ByteBuffer b = ByteBuffer.allocate(setupSize() + padded.length).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, (byte) 'M').put(1, (byte) 'Z');
            b.put(0x1F1, (byte) setupSects);
            b.putInt(0x1F4, (int) (syssizeOverride != null ? syssizeOverride : padded.length / 16));
            b.putShort(0x1FE, (short) bootFlag);
            b.put(0x200, (byte) 0xEB).put(0x201, (byte) HEADER_LENGTH_BYTE);
            b.put(0x202, (byte) 'H').put(0x203, (byte) 'd').put(0x204, (byte) 'r').put(0x205, (byte) 'S');
            b.putShort(0x206, (short) protocol);
            b.put(0x211, (byte) loadflags);
            b.putInt(0x214, 0x100000);
            b.putInt(0x22C, (int) initrdAddrMax);
            b.putInt(0x230, kernelAlignment);
            b.put(0x234, (byte) (relocatable ? 1 : 0));
            b.putShort(0x236, (short) xloadflags);
            b.putInt(0x238, cmdlineSize);
            b.putLong(0x258, prefAddress);
            b.putInt(0x260, initSize);
            b.put(0x268, (byte) 0x5A); // a field beyond protocol 2.12 that must be copied too
            if (version != null) {
                int at = 0x400;
                b.putShort(0x20E, (short) (at - 0x200));
                byte[] text = version.getBytes(StandardCharsets.US_ASCII);
                b.put(at, text);
            }
            b.put(setupSize(), padded);
            return b.array();
        }

        Path write(Path dir) {
            return SyntheticKernels.write(dir, "bzImage", build());
        }
    }

    /** An ELF64 executable with PT_LOAD segments at physical addresses and optional PT_NOTE notes. */
    static final class ElfBuilder {
        static final int PT_LOAD = 1;
        static final int PT_NOTE = 4;

        record Load(long paddr, byte[] data, long memsz) {
        }

        record Note(String name, int type, byte[] desc) {
        }

        int elfClass = 2;
        int machine = 62;
        int type = 2;
        long entry = 0x100_0000;
        final List<Load> loads = new ArrayList<>();
        final List<Note> notes = new ArrayList<>();
        long segmentSizeOverride = -1;

        ElfBuilder elfClass(int v) { elfClass = v; return this; }
        ElfBuilder machine(int v) { machine = v; return this; }
        ElfBuilder entry(long v) { entry = v; return this; }
        ElfBuilder load(long paddr, byte[] data, long memsz) { loads.add(new Load(paddr, data, memsz)); return this; }
        ElfBuilder note(String name, int noteType, byte[] desc) { notes.add(new Note(name, noteType, desc)); return this; }
        /** Claims a larger p_filesz for the first PT_LOAD than the file holds. */
        ElfBuilder firstSegmentFileSize(long v) { segmentSizeOverride = v; return this; }

        ElfBuilder pvhNote(long entry32, int descSize) {
            ByteBuffer d = ByteBuffer.allocate(descSize).order(ByteOrder.LITTLE_ENDIAN);
            if (descSize == 8) {
                d.putLong(entry32);
            } else {
                d.putInt((int) entry32);
            }
            return note("Xen", ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY, d.array());
        }

        byte[] build() {
            byte[] noteBytes = noteSegment();
            int phnum = loads.size() + (notes.isEmpty() ? 0 : 1);
            int dataStart = 64 + 56 * phnum;
            int size = dataStart + noteBytes.length + loads.stream().mapToInt(l -> l.data().length).sum();
            ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {0x7F, 'E', 'L', 'F', (byte) elfClass, 1, 1});
            b.putShort(16, (short) type).putShort(18, (short) machine).putInt(20, 1);
            b.putLong(24, entry).putLong(32, 64).putShort(52, (short) 64).putShort(54, (short) 56)
                    .putShort(56, (short) phnum);
            int ph = 64;
            int data = dataStart;
            if (!notes.isEmpty()) {
                b.putInt(ph, PT_NOTE).putLong(ph + 8, data).putLong(ph + 32, noteBytes.length)
                        .putLong(ph + 40, noteBytes.length);
                b.put(data, noteBytes);
                data += noteBytes.length;
                ph += 56;
            }
            boolean first = true;
            for (Load l : loads) {
                long filesz = first && segmentSizeOverride >= 0 ? segmentSizeOverride : l.data().length;
                b.putInt(ph, PT_LOAD).putInt(ph + 4, 5).putLong(ph + 8, data)
                        .putLong(ph + 16, l.paddr() + 0xFFFF_FFFF_8000_0000L).putLong(ph + 24, l.paddr())
                        .putLong(ph + 32, filesz).putLong(ph + 40, l.memsz()).putLong(ph + 48, 0x1000);
                b.put(data, l.data());
                data += l.data().length;
                ph += 56;
                first = false;
            }
            return b.array();
        }

        private byte[] noteSegment() {
            ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            for (Note n : notes) {
                byte[] name = (n.name() + "\0").getBytes(StandardCharsets.US_ASCII);
                b.putInt(name.length).putInt(n.desc().length).putInt(n.type());
                b.put(name).position(align4(b.position()));
                b.put(n.desc()).position(align4(b.position()));
            }
            return Arrays.copyOf(b.array(), b.position());
        }

        Path write(Path dir) {
            return SyntheticKernels.write(dir, "vmlinux", build());
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
