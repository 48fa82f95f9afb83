package dev.kvmunit.internal.vmm.devices;

/**
 * A device window on the port-I/O or MMIO bus. Offsets are relative to the window's
 * base; {@code data.length} is the access width (1, 2, 4 or 8). The guest chooses
 * offsets and widths, so implementations must accept any and ignore what they don't know.
 */
public interface IoDevice {
    /** Fill {@code data} with the value the guest reads at {@code offset}. */
    void read(long offset, byte[] data);

    /** The guest wrote {@code data} at {@code offset}. */
    void write(long offset, byte[] data);
}
