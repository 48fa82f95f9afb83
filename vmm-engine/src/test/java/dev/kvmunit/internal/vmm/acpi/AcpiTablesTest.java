package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Layout, pointers and checksums of the written tables, read back as a guest would. */
class AcpiTablesTest {
    private static int sum(byte[] data, int length) {
        int s = 0;
        for (int i = 0; i < length; i++) {
            s += data[i];
        }
        return s & 0xFF;
    }

    private static GuestTables write(AcpiConfig config) {
        GuestMemory memory = GuestMemory.forTesting(MemoryLayout.ACPI_END);
        long rsdp = AcpiTables.write(memory, config);
        assertEquals(MemoryLayout.ACPI_START, rsdp, "RSDP first in the ACPI area");
        assertEquals(0, rsdp % 16);
        return GuestTables.read(memory, rsdp);
    }

    @Test
    void rsdpRevision2HasBothChecksumsAndPointsAtTheXsdt() {
        byte[] rsdp = write(AcpiConfig.ofApicIds(List.of(0))).get("RSDP");
        assertEquals(0, sum(rsdp, 20), "ACPI 1.0 checksum over the first 20 bytes");
        assertEquals(0, sum(rsdp, 36), "extended checksum over all 36 bytes");
        assertEquals(2, rsdp[15]);
        assertEquals(36, ByteBuffer.wrap(rsdp).order(ByteOrder.LITTLE_ENDIAN).getInt(20));
        assertEquals(0, ByteBuffer.wrap(rsdp).order(ByteOrder.LITTLE_ENDIAN).getInt(16), "no RSDT");
    }

    @Test
    void everyTableChecksumsToZeroAndLiesInTheAcpiArea() {
        GuestMemory memory = GuestMemory.forTesting(MemoryLayout.ACPI_END);
        long rsdp = AcpiTables.write(memory, new AcpiConfig(List.of(0, 1),
                List.of(new VirtioMmioWindow(MemoryLayout.MMIO_START, MemoryLayout.MMIO_DEVICE_SIZE, 5))));
        GuestTables tables = GuestTables.read(memory, rsdp);
        assertEquals(List.of("RSDP", "XSDT", "FACP", "DSDT", "APIC"), List.copyOf(tables.all().keySet()));
        for (var e : tables.all().entrySet()) {
            if (!e.getKey().equals("RSDP")) {
                assertEquals(0, sum(e.getValue(), e.getValue().length), e.getKey() + " checksum");
            }
        }
    }

    @Test
    void fadtIsHardwareReducedRevision6WithX_DsdtOnly() {
        ByteBuffer fadt = ByteBuffer.wrap(write(AcpiConfig.ofApicIds(List.of(0))).get("FACP")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(276, fadt.getInt(4));
        assertEquals(6, fadt.get(8));
        assertEquals(5, fadt.get(131), "minor revision: ACPI 6.5");
        assertTrue((fadt.getInt(112) & (1 << 20)) != 0, "HW_REDUCED_ACPI");
        assertEquals(0, fadt.getInt(40), "32-bit DSDT must be zero when X_DSDT is set");
        assertTrue(fadt.getLong(140) > MemoryLayout.ACPI_START);
        assertEquals(0, fadt.getShort(109) & 0x02, "no 8042: Linux's i8042 driver does not probe");
        assertEquals(0, fadt.getShort(109) & 0x20, "CMOS RTC present");
    }

    @Test
    void apicIdsAbove254GetX2apicEntries() {
        ByteBuffer madt = ByteBuffer.wrap(write(AcpiConfig.ofApicIds(List.of(0, 254, 255, 300))).get("APIC"))
                .order(ByteOrder.LITTLE_ENDIAN);
        int offset = 44;
        int[] types = new int[6];
        long[] ids = new long[6];
        int n = 0;
        while (offset < madt.limit()) {
            int type = madt.get(offset);
            int length = madt.get(offset + 1);
            types[n] = type;
            ids[n] = type == 0 ? madt.get(offset + 3) & 0xFF : type == 9 ? madt.getInt(offset + 4) : -1;
            n++;
            offset += length;
        }
        assertEquals(6, n, "4 CPUs, 1 IOAPIC, 1 override");
        assertEquals(List.of(0, 0, 9, 9, 1, 2), IntStream.of(types).boxed().toList());
        assertEquals(254, ids[1]);
        assertEquals(255, ids[2]);
        assertEquals(300, ids[3]);
    }

    @Test
    void tooManyCpusFailClearlyInsteadOfOverflowingTheArea() {
        List<Integer> ids = IntStream.range(255, 255 + 9000).boxed().toList();
        var e = assertThrows(IllegalArgumentException.class,
                () -> AcpiTables.write(GuestMemory.forTesting(MemoryLayout.ACPI_END), AcpiConfig.ofApicIds(ids)));
        assertTrue(e.getMessage().contains("ACPI area") && e.getMessage().contains("9000 vCPUs"), e.getMessage());
    }

    @Test
    void guestRamEndingBeforeTheAreaIsReported() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> AcpiTables.write(GuestMemory.forTesting(MemoryLayout.ACPI_START), AcpiConfig.ofApicIds(List.of(0))));
        assertTrue(e.getMessage().contains("more memory"), e.getMessage());
    }

    @Test
    void lowApicIdsMustFitAnEightBitProcessorUid() {
        List<Integer> ids = new java.util.ArrayList<>(IntStream.range(255, 255 + 255).boxed().toList());
        ids.add(3); // vCPU 255 with a small APIC id: its Local APIC entry UID cannot be 255
        var e = assertThrows(IllegalArgumentException.class,
                () -> AcpiTables.write(GuestMemory.forTesting(MemoryLayout.ACPI_END), AcpiConfig.ofApicIds(ids)));
        assertTrue(e.getMessage().contains("vCPU 255"), e.getMessage());
    }

    @Test
    void configRejectsDuplicateIdsOverlappingWindowsAndBadOrSharedGsis() {
        assertThrows(IllegalArgumentException.class, () -> AcpiConfig.ofApicIds(List.of()));
        assertThrows(IllegalArgumentException.class, () -> AcpiConfig.ofApicIds(List.of(0, 1, 0)));
        assertThrows(IllegalArgumentException.class, () -> AcpiConfig.ofApicIds(List.of(-1)));
        var overlap = assertThrows(IllegalArgumentException.class, () -> new AcpiConfig(List.of(0), List.of(
                new VirtioMmioWindow(0xD000_0000L, 0x2000, 5), new VirtioMmioWindow(0xD000_1000L, 0x1000, 6))));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
        var legacy = assertThrows(IllegalArgumentException.class, () -> new AcpiConfig(List.of(0), List.of(
                new VirtioMmioWindow(0xD000_0000L, 0x1000, 4))));
        assertTrue(legacy.getMessage().contains("GSI 4"), legacy.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AcpiConfig(List.of(0), List.of(
                new VirtioMmioWindow(0xD000_0000L, 0x1000, 5), new VirtioMmioWindow(0xD000_1000L, 0x1000, 5))));
        var gsi = assertThrows(IllegalArgumentException.class, () -> new AcpiConfig(List.of(0), List.of(
                new VirtioMmioWindow(0xD000_0000L, 0x1000, 24))));
        assertTrue(gsi.getMessage().contains("GSI 24"), gsi.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VirtioMmioWindow(0xFFFF_F000L, 0x2000, 5));
    }
}
