package dev.kvmunit.internal.vmm.boot;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class E820MapTest {
    @ParameterizedTest
    @ValueSource(longs = {2L << 20, 32L << 20, 256L << 20, 1L << 30, 3L << 30})
    void mapsLowMemoryBiosAreaAndRamAboveOneMegabyte(long ramSize) {
        assertEquals(List.of(
                        new E820Map.Entry(0, 0x9FC00, 1),
                        new E820Map.Entry(0x9FC00, 0x100000 - 0x9FC00, 2),
                        new E820Map.Entry(0x100000, ramSize - 0x100000, 1)),
                E820Map.forRam(ramSize).entries());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4096, 1L << 20, (3L << 30) + 4096, 4L << 30})
    void rejectsRamThatCannotHoldAKernelOrHitsTheMmioHole(long ramSize) {
        BootException e = assertThrows(BootException.class, () -> E820Map.forRam(ramSize));
        Messages.assertContains(e, String.format("0x%x bytes", ramSize), "choose a memory size");
    }
}
