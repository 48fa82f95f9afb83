package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import java.util.List;
import java.util.Objects;

/**
 * Writes the guest's ACPI tables into {@code [MemoryLayout.ACPI_START, ACPI_END)}: RSDP
 * first (16-byte aligned, where a kernel scanning the BIOS area finds it too), then the DSDT,
 * FADT, MADT and XSDT, each 8-byte aligned. The boot code passes the returned RSDP address
 * in {@code boot_params.acpi_rsdp_addr} and reports the area as ACPI data in the e820 map.
 */
public final class AcpiTables {
    private AcpiTables() {
    }

    private static final int TABLE_ALIGNMENT = 8;

    /**
     * Builds the tables for {@code config} and writes them to guest memory.
     *
     * @return the guest-physical address of the RSDP
     * @throws IllegalArgumentException if the tables do not fit the ACPI area or guest RAM
     */
    public static long write(GuestMemory memory, AcpiConfig config) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(config, "config");
        Layout layout = new Layout(MemoryLayout.ACPI_START);

        long rsdpAddress = layout.place(Rsdp.LENGTH, Rsdp.ALIGNMENT);
        byte[] dsdt = Dsdt.build(config.virtioMmioDevices());
        long dsdtAddress = layout.place(dsdt.length, TABLE_ALIGNMENT);
        byte[] fadt = Fadt.build(dsdtAddress);
        long fadtAddress = layout.place(fadt.length, TABLE_ALIGNMENT);
        byte[] madt = Madt.build(config.apicIds());
        long madtAddress = layout.place(madt.length, TABLE_ALIGNMENT);
        // SRAT and SLIT, once built, are placed here and listed in the XSDT.
        List<Long> xsdtEntries = List.of(fadtAddress, madtAddress);
        long xsdtAddress = layout.place(Xsdt.length(xsdtEntries.size()), TABLE_ALIGNMENT);
        byte[] xsdt = Xsdt.build(xsdtEntries);
        byte[] rsdp = Rsdp.build(xsdtAddress);

        long end = layout.end();
        if (end > MemoryLayout.ACPI_END) {
            throw new IllegalArgumentException(String.format(
                    "ACPI tables need 0x%x bytes but the ACPI area [0x%x, 0x%x) holds 0x%x; %d vCPUs and %d"
                            + " virtio-mmio devices are too many for it",
                    end - MemoryLayout.ACPI_START, MemoryLayout.ACPI_START, MemoryLayout.ACPI_END,
                    MemoryLayout.ACPI_END - MemoryLayout.ACPI_START, config.apicIds().size(),
                    config.virtioMmioDevices().size()));
        }
        if (!memory.contains(MemoryLayout.ACPI_START, end - MemoryLayout.ACPI_START)) {
            throw new IllegalArgumentException(String.format(
                    "guest RAM of 0x%x bytes ends before the ACPI tables at [0x%x, 0x%x); give the VM more memory",
                    memory.size(), MemoryLayout.ACPI_START, end));
        }
        memory.write(rsdpAddress, rsdp);
        memory.write(dsdtAddress, dsdt);
        memory.write(fadtAddress, fadt);
        memory.write(madtAddress, madt);
        memory.write(xsdtAddress, xsdt);
        return rsdpAddress;
    }

    /** Hands out consecutive aligned ranges from a start address. */
    private static final class Layout {
        private long next;

        Layout(long start) {
            next = start;
        }

        long place(int length, int alignment) {
            long address = (next + alignment - 1) & -alignment;
            next = address + length;
            return address;
        }

        long end() {
            return next;
        }
    }
}
