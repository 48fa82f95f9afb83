package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.HostMappings;
import dev.kvmunit.internal.vmm.memory.HostMappings.Usage;
import dev.kvmunit.internal.vmm.memory.PagePattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The point of mapping the cached base: N VMs that boot the same base hold one copy of it in
 * host memory, not N. Measured from the kernel's own accounting of this process's mappings;
 * needs Linux, not KVM.
 */
@EnabledOnOs(OS.LINUX)
class InitramfsSharingTest {
    private static final long MIB = 1 << 20;
    private static final int BASE_SIZE = 32 << 20;
    private static final int VMS = 8;
    private static final long GUEST_RAM = 64 * MIB;

    @TempDir
    Path dir;

    @Test
    void vmsBootingOneBaseShareItsPages() {
        Path base = SyntheticKernels.write(dir, "base.cpio.lz4", PagePattern.bytes(BASE_SIZE, 9));
        List<GuestMemory> memories = new ArrayList<>();
        try {
            for (int i = 0; i < VMS; i++) {
                GuestMemory memory = GuestMemory.anonymous(GUEST_RAM);
                memories.add(memory);
                InitramfsImage image = InitramfsLoader.load(memory, List.of(base), 2 * MIB, GUEST_RAM);
                readEveryPage(memory, image);
            }

            Usage usage = HostMappings.usage(memories);

            assertTrue(usage.resident() >= (long) VMS * BASE_SIZE, () -> "every VM has the whole base resident: " + usage);
            assertTrue(usage.privateBytes() < BASE_SIZE,
                    () -> VMS + " VMs hold less than one private copy of the base between them: " + usage);
            assertTrue(usage.pss() < 2L * BASE_SIZE,
                    () -> "their proportional share adds up to about one copy: " + usage);
        } finally {
            memories.forEach(GuestMemory::close);
        }
    }

    /** Reads a byte of every page, as the kernel's unpacker reads the whole archive. */
    private static void readEveryPage(GuestMemory memory, InitramfsImage image) {
        int sum = 0;
        for (long offset = 0; offset < image.size(); offset += GuestMemory.PAGE_SIZE) {
            sum += memory.readU8(image.address() + offset);
        }
        assertNotEquals(0, sum, "the base's bytes are in guest memory");
    }
}
