package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.MemoryLayout;

/**
 * Where a virtio-mmio device lives: its register window in guest-physical space and the
 * GSI its interrupt is wired to. The ACPI DSDT (a {@code LNRO0005} device with
 * Memory32Fixed + Interrupt) and the kernel command line both describe the device from this.
 */
public record VirtioMmioWindow(long base, long size, int gsi) {
    public VirtioMmioWindow {
        if (size <= 0 || size % 1024 != 0) {
            throw new IllegalArgumentException("virtio-mmio window size must be a positive multiple of 1 KiB: " + size);
        }
        if (base < 0 || (base & 0xFFF) != 0 || base + size > 0x1_0000_0000L) {
            throw new IllegalArgumentException(String.format(
                    "virtio-mmio window base 0x%x must be 4 KiB aligned and the window must end below 4 GiB", base));
        }
        if (gsi < 0) {
            throw new IllegalArgumentException("virtio-mmio GSI must not be negative: " + gsi);
        }
    }

    /** The {@code slot}-th 4 KiB window of the MMIO area of {@link MemoryLayout}. */
    public static VirtioMmioWindow slot(int slot, int gsi) {
        if (slot < 0) {
            throw new IllegalArgumentException("virtio-mmio slot must not be negative: " + slot);
        }
        return new VirtioMmioWindow(MemoryLayout.MMIO_START + slot * MemoryLayout.MMIO_DEVICE_SIZE,
                MemoryLayout.MMIO_DEVICE_SIZE, gsi);
    }

    /**
     * {@code virtio_mmio.device=4K@0xd0000000:5}, for kernels built with
     * VIRTIO_MMIO_CMDLINE_DEVICES (drivers/virtio/virtio_mmio.c).
     */
    public String kernelCmdlineFragment() {
        return String.format("virtio_mmio.device=%dK@0x%x:%d", size / 1024, base, gsi);
    }
}
