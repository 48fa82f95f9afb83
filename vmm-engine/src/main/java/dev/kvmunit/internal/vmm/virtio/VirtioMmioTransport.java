package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.devices.IoDevice;
import dev.kvmunit.internal.vmm.devices.IrqLine;
import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x section 4.2), for one 4 KiB register
 * window: identification, feature negotiation, the status state machine, queue setup,
 * notifications and interrupts. Device config space starts at {@link #CONFIG_OFFSET}.
 *
 * <p>Queue notifications arrive either as a guest write to {@link #QUEUE_NOTIFY_OFFSET}
 * (an MMIO exit) or through {@link #notify(int)}, which a poller calls when KVM signals an
 * ioeventfd registered at that address with the queue index as datamatch.
 *
 * <p>The driver is untrusted. When it breaks the protocol the device sets
 * DEVICE_NEEDS_RESET, raises a configuration-change interrupt, ignores its queues until the
 * driver resets it, and tells the {@link VirtioFaultListener} why. No exception leaves this
 * class towards the vCPU, poller or host thread that called it.
 *
 * <p>Interrupts: {@code setLevel(true)} is called for every interrupt event, even while the
 * line is already high, so that an edge-triggered implementation (irqfd) can fire per event;
 * {@code setLevel(false)} once the driver has acknowledged every pending cause.
 *
 * <p>Thread-safe: every entry point locks this object, the same monitor {@code IoBus} holds.
 */
public final class VirtioMmioTransport implements IoDevice {
    public static final long QUEUE_NOTIFY_OFFSET = 0x050;
    public static final long CONFIG_OFFSET = 0x100;

    static final int MAGIC = 0x74726976; // "virt"
    static final int VERSION = 2;
    /** Vendor id 0: we are nobody in particular, which Linux does not mind. */
    static final int VENDOR_ID = 0;

    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_DEVICE_NEEDS_RESET = 64;
    static final int STATUS_FAILED = 128;

    static final int INTERRUPT_USED_BUFFER = 1;
    static final int INTERRUPT_CONFIG_CHANGE = 2;

    private static final int REG_MAGIC = 0x000;
    private static final int REG_VERSION = 0x004;
    private static final int REG_DEVICE_ID = 0x008;
    private static final int REG_VENDOR_ID = 0x00c;
    private static final int REG_DEVICE_FEATURES = 0x010;
    private static final int REG_DEVICE_FEATURES_SEL = 0x014;
    private static final int REG_DRIVER_FEATURES = 0x020;
    private static final int REG_DRIVER_FEATURES_SEL = 0x024;
    private static final int REG_QUEUE_SEL = 0x030;
    private static final int REG_QUEUE_NUM_MAX = 0x034;
    private static final int REG_QUEUE_NUM = 0x038;
    private static final int REG_QUEUE_READY = 0x044;
    private static final int REG_QUEUE_NOTIFY = (int) QUEUE_NOTIFY_OFFSET;
    private static final int REG_INTERRUPT_STATUS = 0x060;
    private static final int REG_INTERRUPT_ACK = 0x064;
    private static final int REG_STATUS = 0x070;
    private static final int REG_QUEUE_DESC_LOW = 0x080;
    private static final int REG_QUEUE_DESC_HIGH = 0x084;
    private static final int REG_QUEUE_DRIVER_LOW = 0x090;
    private static final int REG_QUEUE_DRIVER_HIGH = 0x094;
    private static final int REG_QUEUE_DEVICE_LOW = 0x0a0;
    private static final int REG_QUEUE_DEVICE_HIGH = 0x0a4;
    private static final int REG_SHM_LEN_LOW = 0x0b0;
    private static final int REG_SHM_LEN_HIGH = 0x0b4;
    private static final int REG_SHM_BASE_LOW = 0x0b8;
    private static final int REG_SHM_BASE_HIGH = 0x0bc;
    private static final int REG_CONFIG_GENERATION = 0x0fc;

    /** What the driver wrote for one queue; checked only when it sets QueueReady. */
    private static final class QueueRegisters {
        int size;
        long desc;
        long driver;
        long device;

        void clear() {
            size = 0;
            desc = 0;
            driver = 0;
            device = 0;
        }
    }

    private final GuestMemory memory;
    private final VirtioDevice device;
    private final IrqLine irq;
    private final VirtioFaultListener faults;
    private final long offeredFeatures;
    private final QueueRegisters[] queueRegisters;
    private final Virtqueue[] queues;

    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int status;
    private int interruptStatus;
    /** Why the device gave up, or null while it is healthy. */
    private String failure;

    public VirtioMmioTransport(GuestMemory memory, VirtioDevice device, IrqLine irq, VirtioFaultListener faults) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.device = Objects.requireNonNull(device, "device");
        this.irq = Objects.requireNonNull(irq, "irq");
        this.faults = Objects.requireNonNull(faults, "faults");
        int max = device.maxQueueSize();
        if (max <= 0 || max > Virtqueue.MAX_SIZE || Integer.bitCount(max) != 1) {
            throw new IllegalArgumentException("device " + device.deviceId()
                    + ": maximum queue size must be a power of two up to " + Virtqueue.MAX_SIZE + ", not " + max);
        }
        this.offeredFeatures = device.deviceFeatures()
                | VirtioFeatures.bit(VirtioFeatures.VERSION_1)
                | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)
                | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX);
        this.queueRegisters = new QueueRegisters[device.queueCount()];
        Arrays.setAll(queueRegisters, i -> new QueueRegisters());
        this.queues = new Virtqueue[device.queueCount()];
        device.attach(new Context());
    }

    public int queueCount() {
        return queues.length;
    }

    /** The device status register as the driver would read it. */
    public synchronized int status() {
        return status;
    }

    /** Why the device stopped serving its driver, or null while it is healthy. */
    public synchronized String failure() {
        return failure;
    }

    /** The driver notified queue {@code queueIndex}; the ioeventfd path calls this directly. */
    public synchronized void notify(int queueIndex) {
        guarded(() -> handleNotify(queueIndex));
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
        if (offset >= CONFIG_OFFSET) {
            guarded(() -> device.readConfig((int) (offset - CONFIG_OFFSET), data));
            return;
        }
        // Registers are 32 bits wide and only 32-bit aligned accesses are defined (4.2.2.2).
        if (data.length != 4 || offset < 0 || (offset & 3) != 0) {
            return;
        }
        int value = readRegister((int) offset);
        for (int i = 0; i < 4; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        if (offset >= CONFIG_OFFSET) {
            guarded(() -> device.writeConfig((int) (offset - CONFIG_OFFSET), data));
            return;
        }
        if (data.length != 4 || offset < 0 || (offset & 3) != 0) {
            return;
        }
        int value = (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
        guarded(() -> writeRegister((int) offset, value));
    }

    private int readRegister(int offset) {
        QueueRegisters q = selectedQueue();
        return switch (offset) {
            case REG_MAGIC -> MAGIC;
            case REG_VERSION -> VERSION;
            case REG_DEVICE_ID -> device.deviceId();
            case REG_VENDOR_ID -> VENDOR_ID;
            case REG_DEVICE_FEATURES -> featureWord(offeredFeatures, deviceFeaturesSel);
            case REG_QUEUE_NUM_MAX -> q == null ? 0 : device.maxQueueSize();
            case REG_QUEUE_READY -> q != null && queues[queueSel] != null ? 1 : 0;
            case REG_INTERRUPT_STATUS -> interruptStatus;
            case REG_STATUS -> status;
            // No shared memory regions: their length and base read as all ones (4.2.2).
            case REG_SHM_LEN_LOW, REG_SHM_LEN_HIGH, REG_SHM_BASE_LOW, REG_SHM_BASE_HIGH -> -1;
            // Config space never changes under the driver, so generation 0 is always current.
            case REG_CONFIG_GENERATION -> 0;
            default -> 0;
        };
    }

    private static int featureWord(long features, int select) {
        return switch (select) {
            case 0 -> (int) features;
            case 1 -> (int) (features >>> 32);
            default -> 0;
        };
    }

    private void writeRegister(int offset, int value) {
        switch (offset) {
            case REG_DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case REG_DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case REG_DRIVER_FEATURES -> writeDriverFeatures(value);
            case REG_QUEUE_SEL -> queueSel = value;
            case REG_QUEUE_NUM -> configureQueue(q -> q.size = value);
            case REG_QUEUE_DESC_LOW -> configureQueue(q -> q.desc = low(q.desc, value));
            case REG_QUEUE_DESC_HIGH -> configureQueue(q -> q.desc = high(q.desc, value));
            case REG_QUEUE_DRIVER_LOW -> configureQueue(q -> q.driver = low(q.driver, value));
            case REG_QUEUE_DRIVER_HIGH -> configureQueue(q -> q.driver = high(q.driver, value));
            case REG_QUEUE_DEVICE_LOW -> configureQueue(q -> q.device = low(q.device, value));
            case REG_QUEUE_DEVICE_HIGH -> configureQueue(q -> q.device = high(q.device, value));
            case REG_QUEUE_READY -> setQueueReady(value == 1);
            case REG_QUEUE_NOTIFY -> handleNotify(value);
            case REG_INTERRUPT_ACK -> acknowledgeInterrupt(value);
            case REG_STATUS -> writeStatus(value & 0xFF);
            default -> {
                // Read-only or unknown register: writes are ignored, as the spec requires.
            }
        }
    }

    private static long low(long old, int value) {
        return (old & 0xFFFF_FFFF_0000_0000L) | Integer.toUnsignedLong(value);
    }

    private static long high(long old, int value) {
        return (old & 0xFFFF_FFFFL) | (long) value << 32;
    }

    private QueueRegisters selectedQueue() {
        return queueSel >= 0 && queueSel < queueRegisters.length ? queueRegisters[queueSel] : null;
    }

    /** Queue registers may change only while the queue is not ready (4.2.3.2). */
    private void configureQueue(Consumer<QueueRegisters> change) {
        QueueRegisters q = selectedQueue();
        if (q != null && queues[queueSel] == null) {
            change.accept(q);
        }
    }

    private void writeDriverFeatures(int value) {
        // Features are frozen once FEATURES_OK is set (3.1.1).
        if ((status & STATUS_FEATURES_OK) != 0) {
            return;
        }
        switch (driverFeaturesSel) {
            case 0 -> driverFeatures = (driverFeatures & 0xFFFF_FFFF_0000_0000L) | Integer.toUnsignedLong(value);
            case 1 -> driverFeatures = (driverFeatures & 0xFFFF_FFFFL) | (long) value << 32;
            default -> {
                // No feature bits beyond 63 exist; a driver acknowledging none there is fine.
            }
        }
    }

    private void setQueueReady(boolean ready) {
        QueueRegisters q = selectedQueue();
        if (q == null) {
            return;
        }
        if (!ready) {
            queues[queueSel] = null;
            return;
        }
        if (queues[queueSel] != null) {
            return;
        }
        if ((status & STATUS_FEATURES_OK) == 0) {
            throw VirtioProtocolException.of("queue %d made ready before the driver set FEATURES_OK", queueSel);
        }
        queues[queueSel] = Virtqueue.open(memory, queueSel, q.size, device.maxQueueSize(),
                q.desc, q.driver, q.device, driverFeatures);
    }

    private void handleNotify(int queueIndex) {
        if (failure != null) {
            return;
        }
        if (queueIndex < 0 || queueIndex >= queues.length) {
            throw VirtioProtocolException.of("notification for queue %d, device has %d queues",
                    queueIndex, queues.length);
        }
        // Buffers made available before DRIVER_OK are picked up on activation.
        if ((status & STATUS_DRIVER_OK) != 0 && queues[queueIndex] != null) {
            device.queueNotified(queueIndex);
        }
    }

    private void acknowledgeInterrupt(int value) {
        interruptStatus &= ~value;
        if (interruptStatus == 0) {
            irq.setLevel(false);
        }
    }

    private void raiseInterrupt(int cause) {
        interruptStatus |= cause;
        irq.setLevel(true);
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        if (failure != null) {
            // Only a reset revives the device; keep telling the driver it needs one.
            status |= value & STATUS_FAILED;
            return;
        }
        // DEVICE_NEEDS_RESET is the device's to set, not the driver's.
        value &= ~STATUS_DEVICE_NEEDS_RESET;
        if ((status & ~value) != 0) {
            throw VirtioProtocolException.of("driver cleared device status bits: 0x%x -> 0x%x", status, value);
        }
        int added = value & ~status;
        if ((added & STATUS_FEATURES_OK) != 0 && !acceptableFeatures()) {
            // Leaving FEATURES_OK clear tells the driver negotiation failed (3.1.1 step 6).
            value &= ~STATUS_FEATURES_OK;
            added &= ~STATUS_FEATURES_OK;
        }
        if ((added & STATUS_DRIVER_OK) != 0 && (value & STATUS_FEATURES_OK) == 0) {
            throw VirtioProtocolException.of("driver set DRIVER_OK without FEATURES_OK (status 0x%x)", value);
        }
        status = value;
        if ((added & STATUS_DRIVER_OK) != 0) {
            device.activate(driverFeatures);
            for (int i = 0; i < queues.length && failure == null; i++) {
                if (queues[i] != null) {
                    device.queueNotified(i);
                }
            }
        }
    }

    private boolean acceptableFeatures() {
        return (driverFeatures & ~offeredFeatures) == 0
                && VirtioFeatures.has(driverFeatures, VirtioFeatures.VERSION_1);
    }

    private void reset() {
        device.reset();
        Arrays.fill(queues, null);
        for (QueueRegisters q : queueRegisters) {
            q.clear();
        }
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        status = 0;
        failure = null;
        interruptStatus = 0;
        irq.setLevel(false);
    }

    /**
     * Runs driver- or host-initiated work; a misbehaving driver, or a bug it provokes in
     * device code, fails this device instead of the thread that called us.
     */
    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (VirtioProtocolException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            // GuestMemoryException and anything else a hostile ring provoked.
            fail("device error: " + e);
        }
    }

    private void fail(String reason) {
        if (failure != null) {
            return;
        }
        failure = reason;
        status |= STATUS_DEVICE_NEEDS_RESET;
        raiseInterrupt(INTERRUPT_CONFIG_CHANGE);
        faults.deviceFailed(reason);
    }

    private final class Context implements VirtioDeviceContext {
        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public Virtqueue queue(int index) {
            synchronized (VirtioMmioTransport.this) {
                return index >= 0 && index < queues.length ? queues[index] : null;
            }
        }

        @Override
        public void usedBuffersAdded(Virtqueue queue) {
            synchronized (VirtioMmioTransport.this) {
                if (queue.needsInterrupt()) {
                    raiseInterrupt(INTERRUPT_USED_BUFFER);
                }
            }
        }

        @Override
        public boolean runWhileActive(Runnable work) {
            synchronized (VirtioMmioTransport.this) {
                if (failure != null || (status & STATUS_DRIVER_OK) == 0) {
                    return false;
                }
                guarded(work);
                return true;
            }
        }
    }
}
