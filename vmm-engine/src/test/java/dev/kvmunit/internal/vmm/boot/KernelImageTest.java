package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class KernelImageTest {
    @TempDir
    Path dir;

    @Test
    void parsesBzImageHeader() {
        SyntheticKernels.BzImageBuilder builder = SyntheticKernels.bzImage();
        Path file = builder.write(dir);

        BzImage image = assertInstanceOf(BzImage.class, KernelImage.load(file));

        assertEquals(0x020F, image.protocol());
        assertEquals("6.12.0-synthetic (builder@test) #1 SMP PREEMPT_DYNAMIC", image.version().orElseThrow());
        assertEquals(2047, image.maxCommandLineLength());
        assertEquals(0x8000_0000L, image.initramfsLimit());
        assertEquals(MemoryLayout.KERNEL_START + 0x200, image.entry64());
        // Relocatable: runtime start is pref_address (16 MiB, already aligned), plus init_size.
        assertEquals(0x100_0000L + 0x80_0000L, image.footprintEnd());
        byte[] file0 = builder.build();
        assertArrayEquals(Arrays.copyOfRange(file0, 0x1F1, 0x202 + 0x6A), image.setupHeader());
    }

    @Test
    void zeroSetupSectsMeansFour() {
        Path file = SyntheticKernels.bzImage().setupSects(0).version(null).write(dir);
        BzImage image = (BzImage) KernelImage.load(file);
        try (GuestMemory memory = GuestMemory.forTesting(32 << 20)) {
            image.loadInto(memory);
            assertArrayEquals(SyntheticKernels.pattern(0x3000, 7), memory.read(MemoryLayout.KERNEL_START, 0x3000));
        }
        assertTrue(image.version().isEmpty());
    }

    @Test
    void loadsBzImagePayloadAtOneMegabyte() {
        byte[] payload = SyntheticKernels.pattern(0x5123, 3);
        Path file = SyntheticKernels.bzImage().payload(payload).write(dir);
        try (GuestMemory memory = GuestMemory.forTesting(32 << 20)) {
            KernelImage.load(file).loadInto(memory);
            assertArrayEquals(payload, memory.read(MemoryLayout.KERNEL_START, payload.length));
            assertEquals(0, memory.readU8(MemoryLayout.KERNEL_START + payload.length));
        }
    }

    @Test
    void parsesElfSegmentsAndPvhNote() {
        byte[] text = SyntheticKernels.pattern(0x2000, 1);
        byte[] data = SyntheticKernels.pattern(0x800, 2);
        Path file = SyntheticKernels.elf().entry(0x100_0040)
                .note("GNU", 3, new byte[20])
                .pvhNote(0x100_0100, 8)
                .load(0x100_0000, text, 0x2000)
                .load(0x120_0000, data, 0x3000)
                .write(dir);

        ElfKernel image = assertInstanceOf(ElfKernel.class, KernelImage.load(file));

        assertEquals(0x100_0040, image.elfEntry());
        assertEquals(0x100_0040, image.entry64());
        assertEquals(0x100_0100, image.pvhEntry().orElseThrow());
        assertEquals(2, image.segments().size());
        assertEquals(0x120_3000L, image.footprintEnd());
        assertEquals(2047, image.maxCommandLineLength());
        try (GuestMemory memory = GuestMemory.forTesting(32 << 20)) {
            memory.fill(0x120_0000, 0x3000, (byte) 0xEE);
            image.loadInto(memory);
            assertArrayEquals(text, memory.read(0x100_0000, text.length));
            assertArrayEquals(data, memory.read(0x120_0000, data.length));
            assertArrayEquals(new byte[0x2800], memory.read(0x120_0800, 0x2800), "bss must be zeroed");
        }
    }

    @Test
    void readsFourBytePvhNote() {
        Path file = SyntheticKernels.elf().pvhNote(0x100_0200, 4).load(0x100_0000, new byte[0x1000], 0x1000).write(dir);
        assertEquals(0x100_0200, ((ElfKernel) KernelImage.load(file)).pvhEntry().orElseThrow());
    }

    @Test
    void elfWithoutPvhNoteUsesElfEntry() {
        Path file = SyntheticKernels.elf().entry(0x100_0010).load(0x100_0000, new byte[0x1000], 0x1000).write(dir);
        ElfKernel image = (ElfKernel) KernelImage.load(file);
        assertTrue(image.pvhEntry().isEmpty());
        assertEquals(0x100_0010, image.entry64());
    }

    @Test
    void missingFile() {
        assertError(dir.resolve("nope"), "does not exist", "bzImage or an ELF vmlinux");
    }

    @Test
    void directoryIsNotAKernel() {
        assertError(dir, "is not a regular file");
    }

    /**
     * A chmod 000 file stops everyone but root, and tests run as root in CI. A write-only sysfs
     * attribute (mode 0200) stops root too: the kernel refuses to open it for reading (EACCES),
     * so opening it takes the same path as any file whose permissions forbid reading.
     */
    @Test
    void unreadableFile() {
        Path writeOnly = Path.of("/sys/bus/platform/drivers_probe");
        assertTrue(Files.isRegularFile(writeOnly), writeOnly + " is a regular file in every Linux sysfs");

        assertError(writeOnly, "cannot be read", "AccessDeniedException", "check its permissions");
    }

    @Test
    void emptyFile() {
        assertError(SyntheticKernels.write(dir, "empty", new byte[0]), "is empty");
    }

    @Test
    void notAKernel() {
        Path file = SyntheticKernels.write(dir, "notes.txt", "just some text, long enough to look at ".repeat(30).getBytes());
        assertError(file, "is not a kernel", "expected a bzImage", "or an ELF vmlinux");
    }

    @Test
    void peFileWithoutSetupHeaderIsNotAKernel() {
        byte[] pe = new byte[4096];
        pe[0] = 'M';
        pe[1] = 'Z';
        assertError(SyntheticKernels.write(dir, "app.efi", pe), "is not a kernel");
    }

    @Test
    void bzImageCutInsideTheBootSector() {
        byte[] full = SyntheticKernels.bzImage().build();
        assertError(SyntheticKernels.write(dir, "cut", Arrays.copyOf(full, 0x100)), "is truncated", "setup header");
    }

    @Test
    void bzImageCutInsideTheSetupHeader() {
        byte[] full = SyntheticKernels.bzImage().build();
        assertError(SyntheticKernels.write(dir, "cut", Arrays.copyOf(full, 0x220)), "is truncated", "setup header");
    }

    @Test
    void bzImageCutInsideThePayload() {
        SyntheticKernels.BzImageBuilder builder = SyntheticKernels.bzImage();
        byte[] full = builder.build();
        Path file = SyntheticKernels.write(dir, "cut", Arrays.copyOf(full, builder.setupSize() + 0x100));
        assertError(file, "is truncated", "protected-mode kernel", "syssize");
    }

    @Test
    void bzImageWithout64BitEntry() {
        Path file = SyntheticKernels.bzImage().xloadflags(0).write(dir);
        assertError(file, "no 64-bit entry point", "XLF_KERNEL_64");
    }

    @Test
    void bzImageWithOldProtocol() {
        Path file = SyntheticKernels.bzImage().protocol(0x020A).write(dir);
        assertError(file, "boot protocol 2.10", "2.12 or newer");
    }

    @Test
    void zImageIsRejected() {
        Path file = SyntheticKernels.bzImage().loadflags(0).write(dir);
        assertError(file, "zImage", "LOADED_HIGH");
    }

    @Test
    void elfCutInsideTheHeader() {
        byte[] full = SyntheticKernels.elf().load(0x100_0000, new byte[16], 16).build();
        assertError(SyntheticKernels.write(dir, "cut", Arrays.copyOf(full, 40)), "is truncated", "ELF header");
    }

    @Test
    void elfSegmentBeyondEndOfFile() {
        Path file = SyntheticKernels.elf().load(0x100_0000, new byte[0x100], 0x1000).firstSegmentFileSize(0x10_0000)
                .write(dir);
        assertError(file, "is truncated", "PT_LOAD segment 0");
    }

    @Test
    void thirtyTwoBitElf() {
        Path file = SyntheticKernels.elf().elfClass(1).load(0x100_0000, new byte[16], 16).write(dir);
        assertError(file, "32-bit ELF", "64-bit x86_64 vmlinux");
    }

    @Test
    void shortThirtyTwoBitElfIsReportedAsThirtyTwoBit() {
        byte[] full = SyntheticKernels.elf().elfClass(1).load(0x100_0000, new byte[16], 16).build();
        assertError(SyntheticKernels.write(dir, "elf32", Arrays.copyOf(full, 52)), "32-bit ELF");
    }

    @Test
    void elfForAnotherMachine() {
        Path file = SyntheticKernels.elf().machine(183).load(0x100_0000, new byte[16], 16).write(dir);
        assertError(file, "machine 183", "not x86_64");
    }

    @Test
    void elfEntryOutsideSegments() {
        Path file = SyntheticKernels.elf().entry(0xFFFF_FFFF_8100_0000L).load(0x100_0000, new byte[16], 16).write(dir);
        assertError(file, "ELF entry point 0xffffffff81000000", "not inside any PT_LOAD segment");
    }

    @Test
    void elfSegmentBelowOneMegabyte() {
        Path file = SyntheticKernels.elf().entry(0x1000).load(0x1000, new byte[16], 16).write(dir);
        assertError(file, "PT_LOAD segment 0", "outside [1 MiB");
    }

    private static void assertError(Path file, String... fragments) {
        KernelImageException e = assertThrows(KernelImageException.class, () -> KernelImage.load(file));
        Messages.assertStartsWith("kernel image " + file + ": ", e);
        Messages.assertContains(e, fragments);
    }
}
