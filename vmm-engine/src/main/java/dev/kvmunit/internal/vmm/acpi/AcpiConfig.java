package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the ACPI tables describe. NUMA (SRAT/SLIT) will be another component here when it
 * is built; the tables it needs slot into {@link AcpiTables} next to the MADT.
 *
 * @param apicIds           the local APIC id of each vCPU, in vCPU order (vCPU 0 boots);
 *                          must match what the vCPUs' CPUID reports
 * @param virtioMmioDevices the virtio-mmio windows, each becomes a DSDT device
 */
public record AcpiConfig(List<Integer> apicIds, List<VirtioMmioWindow> virtioMmioDevices) {
    /** KVM's in-kernel IOAPIC has 24 inputs; the MADT places them at GSI 0-23. */
    public static final int IOAPIC_PINS = 24;
    /**
     * GSIs a virtio-mmio device must not use because ISA devices own them: 0 and 2 (the PIT,
     * through the MADT override), 4 (COM1), 8 (the RTC). The DSDT marks virtio interrupts
     * exclusive and edge-triggered, so sharing would lose interrupts silently.
     */
    public static final Set<Integer> LEGACY_GSIS = Set.of(0, 2, 4, 8);

    public AcpiConfig {
        apicIds = List.copyOf(apicIds);
        virtioMmioDevices = List.copyOf(virtioMmioDevices);
        if (apicIds.isEmpty()) {
            throw new IllegalArgumentException("ACPI needs at least one vCPU APIC id");
        }
        Set<Integer> seen = new HashSet<>();
        for (int id : apicIds) {
            if (id < 0) {
                throw new IllegalArgumentException("APIC id " + id + " is negative; ids are 0 and up");
            }
            if (!seen.add(id)) {
                throw new IllegalArgumentException("APIC id " + id + " is used by two vCPUs: " + apicIds);
            }
        }
        Set<Integer> gsis = new HashSet<>();
        for (VirtioMmioWindow device : virtioMmioDevices) {
            if (device.gsi() >= IOAPIC_PINS) {
                throw new IllegalArgumentException(String.format(
                        "virtio-mmio device at 0x%x: GSI %d is not an input of the IOAPIC (0 to %d)",
                        device.base(), device.gsi(), IOAPIC_PINS - 1));
            }
            if (LEGACY_GSIS.contains(device.gsi())) {
                throw new IllegalArgumentException(String.format(
                        "virtio-mmio device at 0x%x uses GSI %d, which belongs to a legacy device %s; pick another",
                        device.base(), device.gsi(), LEGACY_GSIS));
            }
            if (!gsis.add(device.gsi())) {
                throw new IllegalArgumentException(String.format(
                        "two virtio-mmio devices use GSI %d; each needs its own (the interrupt is exclusive)",
                        device.gsi()));
            }
        }
        List<VirtioMmioWindow> byBase = virtioMmioDevices.stream()
                .sorted(Comparator.comparingLong(VirtioMmioWindow::base)).toList();
        for (int i = 1; i < byBase.size(); i++) {
            VirtioMmioWindow previous = byBase.get(i - 1);
            VirtioMmioWindow next = byBase.get(i);
            if (previous.base() + previous.size() > next.base()) {
                throw new IllegalArgumentException(String.format(
                        "virtio-mmio windows overlap: [0x%x, +0x%x) and [0x%x, +0x%x)", previous.base(),
                        previous.size(), next.base(), next.size()));
            }
        }
    }

    /** vCPUs only, no devices. */
    public static AcpiConfig ofApicIds(List<Integer> apicIds) {
        return new AcpiConfig(apicIds, List.of());
    }
}
