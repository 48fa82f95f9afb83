package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.kernel.RealKernels;
import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Parses and lays out a real kernel: the one {@link RealKernels} names or provisions. */
class RealKernelTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void parsesAndLaysOutTheKernel() {
        KernelImage kernel = KernelImage.load(RealKernels.image());
        assertTrue(kernel.footprintEnd() > MemoryLayout.KERNEL_START);
        assertTrue(kernel.maxCommandLineLength() >= 255);
        if (kernel instanceof BzImage bz) {
            assertTrue(bz.protocol() >= BzImage.MIN_PROTOCOL);
            assertTrue(bz.version().orElseThrow().matches("\\d+\\.\\d+.*"), bz.version().get());
        } else {
            assertFalse(((ElfKernel) kernel).segments().isEmpty());
        }

        Path initramfs = SyntheticKernels.write(dir, "initramfs", SyntheticKernels.pattern(100_000, 9));
        long ram = (kernel.footprintEnd() + 64 * MIB) & -MIB;
        try (GuestMemory memory = GuestMemory.anonymous(ram)) {
            BootCpuState state = BootLoader.prepare(memory, kernel, List.of(initramfs), "console=ttyS0", 0xE0000);
            assertTrue(memory.contains(state.registers().rip(), 1));
            if (kernel instanceof BzImage bz) {
                assertArrayEquals(bz.setupHeader(), withoutLoaderFields(memory.read(MemoryLayout.ZERO_PAGE + 0x1F1,
                        bz.setupHeader().length), bz.setupHeader()));
                assertEquals(MemoryLayout.KERNEL_START + 0x200, state.registers().rip());
            } else if (kernel instanceof ElfKernel elf && elf.pvhEntry().isPresent()) {
                assertEquals(elf.pvhEntry().getAsLong(), state.registers().rip());
                assertEquals(0x336E_C578L, memory.readU32(state.registers().rbx()), "hvm_start_info magic");
            }
        }
    }

    /** The zero page's header with the fields a loader writes put back to the kernel's values. */
    private static byte[] withoutLoaderFields(byte[] zeroPageHeader, byte[] original) {
        int[][] loaderFields = {{0x1FA, 2}, {0x210, 2}, {0x218, 8}, {0x224, 2}, {0x228, 4}};
        byte[] restored = zeroPageHeader.clone();
        for (int[] field : loaderFields) {
            System.arraycopy(original, field[0] - 0x1F1, restored, field[0] - 0x1F1, field[1]);
        }
        return restored;
    }
}
