package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

/**
 * The register-level half of a virtio-mmio driver, as a test plays it: 32-bit register
 * accesses, the initialisation sequence of virtio 1.x section 3.1, queue set-up, and a
 * bump allocator for rings and buffers in guest memory.
 */
final class MmioDriver {
    static final int MAGIC = 0x000;
    static final int VERSION = 0x004;
    static final int DEVICE_ID = 0x008;
    static final int VENDOR_ID = 0x00c;
    static final int DEVICE_FEATURES = 0x010;
    static final int DEVICE_FEATURES_SEL = 0x014;
    static final int DRIVER_FEATURES = 0x020;
    static final int DRIVER_FEATURES_SEL = 0x024;
    static final int QUEUE_SEL = 0x030;
    static final int QUEUE_NUM_MAX = 0x034;
    static final int QUEUE_NUM = 0x038;
    static final int QUEUE_READY = 0x044;
    static final int QUEUE_NOTIFY = 0x050;
    static final int INTERRUPT_STATUS = 0x060;
    static final int INTERRUPT_ACK = 0x064;
    static final int STATUS = 0x070;
    static final int QUEUE_DESC_LOW = 0x080;
    static final int QUEUE_DESC_HIGH = 0x084;
    static final int QUEUE_DRIVER_LOW = 0x090;
    static final int QUEUE_DRIVER_HIGH = 0x094;
    static final int QUEUE_DEVICE_LOW = 0x0a0;
    static final int QUEUE_DEVICE_HIGH = 0x0a4;
    static final int CONFIG_GENERATION = 0x0fc;
    static final int CONFIG = 0x100;

    static final int ACKNOWLEDGE = 1;
    static final int DRIVER = 2;
    static final int DRIVER_OK = 4;
    static final int FEATURES_OK = 8;
    static final int DEVICE_NEEDS_RESET = 64;

    static final long VERSION_1 = VirtioFeatures.bit(VirtioFeatures.VERSION_1);
    static final long INDIRECT = VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC);
    static final long EVENT_IDX = VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX);

    final GuestMemory memory;
    final VirtioMmioTransport transport;
    private long nextFree;

    MmioDriver(GuestMemory memory, VirtioMmioTransport transport, long heapStart) {
        this.memory = memory;
        this.transport = transport;
        this.nextFree = heapStart;
    }

    int read(int offset) {
        byte[] b = new byte[4];
        transport.read(offset, b);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    void write(int offset, int value) {
        transport.write(offset, new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)});
    }

    long deviceFeatures() {
        write(DEVICE_FEATURES_SEL, 0);
        long low = Integer.toUnsignedLong(read(DEVICE_FEATURES));
        write(DEVICE_FEATURES_SEL, 1);
        return low | (long) read(DEVICE_FEATURES) << 32;
    }

    /** Reset, ACKNOWLEDGE, DRIVER, features; returns whether the device kept FEATURES_OK. */
    boolean negotiate(long features) {
        write(STATUS, 0);
        write(STATUS, ACKNOWLEDGE);
        write(STATUS, ACKNOWLEDGE | DRIVER);
        write(DRIVER_FEATURES_SEL, 0);
        write(DRIVER_FEATURES, (int) features);
        write(DRIVER_FEATURES_SEL, 1);
        write(DRIVER_FEATURES, (int) (features >>> 32));
        write(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        return (read(STATUS) & FEATURES_OK) != 0;
    }

    void driverOk() {
        write(STATUS, read(STATUS) | DRIVER_OK);
    }

    long allocate(long length, long alignment) {
        long at = DriverQueue.align(nextFree, alignment);
        if (!memory.contains(at, length)) {
            throw new IllegalStateException("test guest memory exhausted");
        }
        nextFree = at + length;
        return at;
    }

    /** Programs queue {@code index} with the given ring addresses and size and sets it ready. */
    void program(int index, int size, long desc, long avail, long used) {
        write(QUEUE_SEL, index);
        write(QUEUE_NUM, size);
        write(QUEUE_DESC_LOW, (int) desc);
        write(QUEUE_DESC_HIGH, (int) (desc >>> 32));
        write(QUEUE_DRIVER_LOW, (int) avail);
        write(QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        write(QUEUE_DEVICE_LOW, (int) used);
        write(QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        write(QUEUE_READY, 1);
    }

    DriverQueue setUpQueue(int index, int size) {
        DriverQueue q = DriverQueue.at(memory, allocate(DriverQueue.footprint(size), 16), size);
        program(index, size, q.desc, q.avail, q.used);
        return q;
    }

    void kick(int queue) {
        write(QUEUE_NOTIFY, queue);
    }

    /** Reads and acknowledges the interrupt status, as Linux's vm_interrupt does. */
    int acknowledgeInterrupts() {
        int status = read(INTERRUPT_STATUS);
        write(INTERRUPT_ACK, status);
        return status;
    }

    int status() {
        return read(STATUS);
    }
}
