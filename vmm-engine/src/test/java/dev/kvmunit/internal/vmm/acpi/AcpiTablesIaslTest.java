package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks the generated tables with ACPICA's own tools: every table must disassemble without
 * a single warning (checksums included), the DSDT must compile back to the same AML, and the
 * disassembly must say what we meant. The RSDP is checked in {@link AcpiTablesTest}: the
 * iasl in Debian 12 (20200925) cannot load a bare RSDP from a file.
 */
class AcpiTablesIaslTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} vCPUs, {1} virtio-mmio devices")
    @CsvSource({"1,0", "1,2", "2,0", "2,2", "4,0", "4,2", "8,0", "8,2"})
    void tablesDisassembleCleanlyAndDescribeTheMachine(int cpus, int devices) throws Exception {
        Iasl.assumeInstalled();
        List<VirtioMmioWindow> virtio = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            virtio.add(new VirtioMmioWindow(MemoryLayout.MMIO_START + i * MemoryLayout.MMIO_DEVICE_SIZE,
                    MemoryLayout.MMIO_DEVICE_SIZE, 5 + i));
        }
        GuestTables tables = write(new AcpiConfig(IntStream.range(0, cpus).boxed().toList(), virtio));

        for (String signature : List.of("XSDT", "FACP")) {
            Iasl.disassemble(dir, signature, tables.get(signature));
        }
        assertMadtHasEnabledProcessors(Iasl.disassemble(dir, "APIC", tables.get("APIC")), cpus);
        String dsdt = Iasl.disassemble(dir, "DSDT", tables.get("DSDT"));
        assertDsdtDescribes(dsdt, virtio);
        assertRecompilesToTheSameAml(tables.get("DSDT"));
    }

    @Test
    void x2apicEntriesDisassembleCleanly() throws Exception {
        Iasl.assumeInstalled();
        String madt = Iasl.disassemble(dir, "APIC", write(AcpiConfig.ofApicIds(List.of(0, 255, 4096))).get("APIC"));
        assertEquals(1, count(madt, "[Processor Local APIC]"));
        assertEquals(2, count(madt, "[Processor Local x2APIC]"));
        assertTrue(madt.contains("Processor x2Apic ID : 00001000"), madt);
    }

    private static GuestTables write(AcpiConfig config) {
        GuestMemory memory = GuestMemory.forTesting(MemoryLayout.ACPI_END);
        return GuestTables.read(memory, AcpiTables.write(memory, config));
    }

    private static void assertMadtHasEnabledProcessors(String madt, int cpus) {
        assertEquals(cpus, count(madt, "[Processor Local APIC]"), madt);
        assertEquals(cpus, count(madt, "Processor Enabled : 1"), madt);
        assertEquals(0, count(madt, "Processor Enabled : 0"), madt);
        assertEquals(1, count(madt, "[I/O APIC]"), madt);
        assertTrue(madt.contains("Address : FEC00000"), madt);
        assertTrue(madt.contains("Local Apic Address : FEE00000"), madt);
        assertTrue(Pattern.compile("\\[Interrupt Source Override\\].*?Source : 00\\s+.*?Interrupt : 00000002", Pattern.DOTALL).matcher(madt).find(),
                "IRQ0 -> GSI2 override:\n" + madt);
    }

    private static void assertDsdtDescribes(String dsdt, List<VirtioMmioWindow> devices) {
        Pattern com1 = Pattern.compile("Device \\(COM1\\).*?EisaId \\(\"PNP0501\"\\).*?IO \\(Decode16,\\s*0x03F8,"
                + "\\s*// Range Minimum\\s*0x03F8,.*?0x08,\\s*// Length.*?Interrupt \\(ResourceConsumer, Edge,"
                + " ActiveHigh, Exclusive, ,, \\)\\s*\\{\\s*0x00000004,", Pattern.DOTALL);
        assertTrue(com1.matcher(dsdt).find(), "COM1 with its ports and IRQ 4 in:\n" + dsdt);
        assertEquals(devices.size(), count(dsdt, "Name (_HID, \"LNRO0005\")"), dsdt);
        for (int i = 0; i < devices.size(); i++) {
            VirtioMmioWindow d = devices.get(i);
            Pattern device = Pattern.compile(String.format(
                    "Device \\(VR%02X\\).*?Memory32Fixed \\(ReadWrite,\\s*0x%08X,\\s*// Address Base\\s*0x%08X,"
                            + ".*?Interrupt \\(ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, \\)\\s*\\{\\s*0x%08X,",
                    i, d.base(), d.size(), d.gsi()), Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
            Matcher m = device.matcher(dsdt);
            assertTrue(m.find(), "device " + i + " with its window and interrupt in:\n" + dsdt);
        }
    }

    /** iasl picks the smallest encodings too, so a faithful encoder round-trips byte for byte. */
    private void assertRecompilesToTheSameAml(byte[] dsdt) throws Exception {
        byte[] recompiled = Iasl.compile(dir, "DSDT");
        // Skip the header: iasl puts its own compiler id, version and checksum there.
        assertArrayEquals(Arrays.copyOfRange(dsdt, TableBuilder.HEADER_LENGTH, dsdt.length),
                Arrays.copyOfRange(recompiled, TableBuilder.HEADER_LENGTH, recompiled.length));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
