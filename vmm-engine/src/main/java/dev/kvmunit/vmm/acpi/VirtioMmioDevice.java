package dev.kvmunit.vmm.acpi;

/**
 * One virtio-mmio transport window as the DSDT describes it to the guest: a
 * {@code LNRO0005} device whose {@code _CRS} holds the register window and its interrupt.
 *
 * @param baseAddress guest-physical base of the register window (below 4 GiB: Memory32Fixed)
 * @param size        window length in bytes, usually {@code MemoryLayout.MMIO_DEVICE_SIZE}
 * @param gsi         IOAPIC input the device's irqfd raises
 */
public record VirtioMmioDevice(long baseAddress, long size, int gsi) {
    public VirtioMmioDevice {
        if (baseAddress < 0 || size <= 0 || baseAddress + size > 0x1_0000_0000L) {
            throw new IllegalArgumentException(String.format(
                    "virtio-mmio window [0x%x, +0x%x) must be non-empty and below 4 GiB", baseAddress, size));
        }
        if (gsi < 0 || gsi >= AcpiConfig.IOAPIC_PINS) {
            throw new IllegalArgumentException("virtio-mmio device at 0x" + Long.toHexString(baseAddress)
                    + ": GSI " + gsi + " is not an input of the IOAPIC (0 to " + (AcpiConfig.IOAPIC_PINS - 1) + ")");
        }
    }
}
