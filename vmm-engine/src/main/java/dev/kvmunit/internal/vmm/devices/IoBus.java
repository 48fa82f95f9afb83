package dev.kvmunit.internal.vmm.devices;

import java.util.Map;
import java.util.TreeMap;

/**
 * Routes guest accesses to the device whose window contains the address. One bus for
 * port I/O, one for MMIO. Accesses to a device are serialised on the device because
 * several vCPU threads may touch it at once. Unclaimed reads return all ones, as an
 * empty ISA or PCI bus does, and unclaimed writes are dropped.
 */
public final class IoBus {
    private record Window(long base, long length, IoDevice device) {
        boolean contains(long address, int width) {
            return address >= base && address - base + width <= length;
        }
    }

    private final TreeMap<Long, Window> windows = new TreeMap<>();

    public synchronized void register(long base, long length, IoDevice device) {
        if (length <= 0) {
            throw new IllegalArgumentException("empty I/O window at 0x" + Long.toHexString(base));
        }
        Map.Entry<Long, Window> below = windows.floorEntry(base + length - 1);
        if (below != null && below.getValue().base + below.getValue().length > base) {
            throw new IllegalArgumentException(String.format(
                    "I/O window [0x%x, +0x%x) overlaps [0x%x, +0x%x)", base, length,
                    below.getValue().base, below.getValue().length));
        }
        windows.put(base, new Window(base, length, device));
    }

    private synchronized Window find(long address, int width) {
        Map.Entry<Long, Window> e = windows.floorEntry(address);
        return e != null && e.getValue().contains(address, width) ? e.getValue() : null;
    }

    /** Returns true when a device claimed the access. */
    public boolean read(long address, byte[] data) {
        Window w = find(address, data.length);
        if (w == null) {
            java.util.Arrays.fill(data, (byte) 0xFF);
            return false;
        }
        synchronized (w.device) {
            w.device.read(address - w.base, data);
        }
        return true;
    }

    /** Returns true when a device claimed the access. */
    public boolean write(long address, byte[] data) {
        Window w = find(address, data.length);
        if (w == null) {
            return false;
        }
        synchronized (w.device) {
            w.device.write(address - w.base, data);
        }
        return true;
    }
}
