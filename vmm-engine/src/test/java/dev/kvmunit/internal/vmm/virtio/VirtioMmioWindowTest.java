package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioMmioWindowTest {
    @Test
    void slotsAreConsecutiveFourKibWindowsFromTheMmioStart() {
        VirtioMmioWindow first = VirtioMmioWindow.slot(0, 5);
        VirtioMmioWindow third = VirtioMmioWindow.slot(2, 7);

        assertEquals(new VirtioMmioWindow(MemoryLayout.MMIO_START, 0x1000, 5), first);
        assertEquals(MemoryLayout.MMIO_START + 0x2000, third.base());
        assertEquals(7, third.gsi());
    }

    @Test
    void cmdlineFragmentFollowsTheVirtioMmioDeviceParameterSyntax() {
        assertEquals("virtio_mmio.device=4K@0xd0000000:5", VirtioMmioWindow.slot(0, 5).kernelCmdlineFragment());
        assertEquals("virtio_mmio.device=4K@0xd0001000:12", VirtioMmioWindow.slot(1, 12).kernelCmdlineFragment());
    }

    @Test
    void badWindowsAreRefusedWithTheOffendingValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VirtioMmioWindow(0xD0000800L, 0x1000, 5))
                .getMessage().contains("0xd0000800"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VirtioMmioWindow(0xFFFFF000L, 0x2000, 5))
                .getMessage().contains("below 4 GiB"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VirtioMmioWindow(0xD0000000L, 100, 5))
                .getMessage().contains("100"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VirtioMmioWindow.slot(0, -1))
                .getMessage().contains("-1"));
        assertThrows(IllegalArgumentException.class, () -> VirtioMmioWindow.slot(-1, 5));
    }
}
