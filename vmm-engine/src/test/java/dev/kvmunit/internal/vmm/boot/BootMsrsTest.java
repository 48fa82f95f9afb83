package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.Msr;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BootMsrsTest {
    @Test
    void setsSyscallMsrsToZeroAndEnablesFastStringsAndWriteBackMtrrs() {
        Map<Integer, Long> msrs = BootMsrs.forEveryVcpu().stream().collect(Collectors.toMap(Msr::index, Msr::value));
        assertEquals(Map.ofEntries(
                Map.entry(0x174, 0L), Map.entry(0x175, 0L), Map.entry(0x176, 0L),
                Map.entry(0xC000_0081, 0L), Map.entry(0xC000_0082, 0L), Map.entry(0xC000_0083, 0L),
                Map.entry(0xC000_0084, 0L), Map.entry(0xC000_0102, 0L),
                Map.entry(0x10, 0L), Map.entry(0x1A0, 1L), Map.entry(0x2FF, 0x806L)), msrs);
    }
}
