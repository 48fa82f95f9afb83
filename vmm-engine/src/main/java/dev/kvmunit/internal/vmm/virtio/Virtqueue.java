package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The device side of one split virtqueue (virtio 1.x section 2.7) in guest memory: pops
 * descriptor chains from the available ring and returns them through the used ring.
 *
 * <p>The three ring areas live in guest RAM and the guest may rewrite them at any time, so
 * each value is read once, checked, and then used: ring addresses and the queue size when
 * the queue is opened, and on every pop the avail index (never more than the queue size
 * ahead), the head and next indices (below the table size), every buffer (inside guest
 * RAM), chain length (a loop shows up as a chain longer than the table) and indirect tables
 * (only when negotiated, never nested). A violation throws {@link VirtioProtocolException}.
 *
 * <p>Not thread-safe: the transport serialises all access to a device and its queues.
 */
public final class Virtqueue {
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int DESCRIPTOR_SIZE = 16;
    /** The largest queue the split ring format allows (section 2.7). */
    public static final int MAX_SIZE = 32768;

    private final GuestMemory memory;
    private final int index;
    private final int size;
    private final long descTable;
    private final long availRing;
    private final long usedRing;
    private final boolean indirectAllowed;
    private final boolean eventIdx;

    /** Free-running 16-bit counters, as in the rings themselves. */
    private int nextAvail;
    private int nextUsed;
    /** Used index at the last interrupt decision, for VIRTIO_F_EVENT_IDX. */
    private int signalledUsed;
    private boolean signalledValid;

    private Virtqueue(GuestMemory memory, int index, int size, long descTable, long availRing, long usedRing,
                      long features) {
        this.memory = memory;
        this.index = index;
        this.size = size;
        this.descTable = descTable;
        this.availRing = availRing;
        this.usedRing = usedRing;
        this.indirectAllowed = VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
    }

    /**
     * Checks the driver's queue configuration and returns a queue ready for use.
     *
     * @param maxSize the QueueNumMax the device advertised for this queue
     * @param features the negotiated features (indirect descriptors, event index)
     */
    public static Virtqueue open(GuestMemory memory, int index, int size, int maxSize,
                                 long descTable, long availRing, long usedRing, long features) {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw VirtioProtocolException.of(
                    "queue %d: size %d is not a power of two between 1 and the maximum %d", index, size, maxSize);
        }
        checkArea(memory, index, "descriptor table", descTable, 16, (long) DESCRIPTOR_SIZE * size);
        // flags, idx, ring[size], used_event
        checkArea(memory, index, "available ring", availRing, 2, 6L + 2L * size);
        // flags, idx, ring[size] of (id, len), avail_event
        checkArea(memory, index, "used ring", usedRing, 4, 6L + 8L * size);
        return new Virtqueue(memory, index, size, descTable, availRing, usedRing, features);
    }

    private static void checkArea(GuestMemory memory, int index, String what, long address, int alignment,
                                  long length) {
        if ((address & (alignment - 1)) != 0 || !memory.contains(address, length)) {
            throw VirtioProtocolException.of(
                    "queue %d: %s at 0x%x (+0x%x) is not %d-byte aligned inside guest RAM of 0x%x bytes",
                    index, what, address, length, alignment, memory.size());
        }
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    /**
     * Pops the next available descriptor chain, or returns null when the driver has made
     * none available. With VIRTIO_F_EVENT_IDX an empty queue also asks the driver to notify
     * on the next buffer it adds (avail_event), then looks once more to close the race with
     * a buffer added meanwhile.
     */
    public DescriptorChain next() {
        int pending = pendingChains();
        if (pending == 0 && eventIdx) {
            memory.write16(usedRing + 4 + 8L * size, nextAvail);
            VarHandle.fullFence();
            pending = pendingChains();
        }
        if (pending == 0) {
            return null;
        }
        int head = memory.readU16(availRing + 4 + 2L * (nextAvail & (size - 1)));
        DescriptorChain chain = walk(head);
        nextAvail = (nextAvail + 1) & 0xFFFF;
        return chain;
    }

    private int pendingChains() {
        int availIdx = memory.readU16(availRing + 2);
        // Ring entries must be read after the index that published them.
        VarHandle.acquireFence();
        int pending = (availIdx - nextAvail) & 0xFFFF;
        if (pending > size) {
            throw VirtioProtocolException.of(
                    "queue %d: available index %d is %d entries ahead of the device's %d, more than the queue size %d",
                    index, availIdx, pending, nextAvail, size);
        }
        return pending;
    }

    private DescriptorChain walk(int head) {
        if (head >= size) {
            throw VirtioProtocolException.of("queue %d: available ring names descriptor %d, queue size is %d",
                    index, head, size);
        }
        List<DescriptorChain.Buffer> buffers = new ArrayList<>();
        long table = descTable;
        int tableSize = size;
        boolean inIndirect = false;
        boolean sawWritable = false;
        int visited = 0;
        int i = head;
        while (true) {
            // A chain may use each descriptor of its table at most once, so one longer
            // than the table has a loop (spec: no chain longer than the queue size).
            if (++visited > tableSize) {
                throw VirtioProtocolException.of(
                        "queue %d: descriptor chain from head %d is longer than its %d-entry %s table (a loop?)",
                        index, head, tableSize, inIndirect ? "indirect" : "descriptor");
            }
            long d = table + (long) DESCRIPTOR_SIZE * i;
            long address = memory.readU64(d);
            long length = memory.readU32(d + 8);
            int flags = memory.readU16(d + 12);
            int next = memory.readU16(d + 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                checkIndirect(head, inIndirect, flags, address, length);
                table = address;
                tableSize = (int) (length / DESCRIPTOR_SIZE);
                inIndirect = true;
                visited = 0;
                i = 0;
                continue;
            }
            boolean writable = (flags & DESC_F_WRITE) != 0;
            if (sawWritable && !writable) {
                throw VirtioProtocolException.of(
                        "queue %d: chain from head %d has a device-readable buffer after a device-writable one",
                        index, head);
            }
            if (!memory.contains(address, length)) {
                throw VirtioProtocolException.of(
                        "queue %d: chain from head %d has a buffer [0x%x, +0x%x) outside guest RAM of 0x%x bytes",
                        index, head, address, length, memory.size());
            }
            sawWritable |= writable;
            buffers.add(new DescriptorChain.Buffer(address, length, writable));
            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, buffers);
            }
            if (next >= tableSize) {
                throw VirtioProtocolException.of(
                        "queue %d: chain from head %d links to descriptor %d of a %d-entry table",
                        index, head, next, tableSize);
            }
            i = next;
        }
    }

    private void checkIndirect(int head, boolean inIndirect, int flags, long address, long length) {
        if (!indirectAllowed) {
            throw VirtioProtocolException.of(
                    "queue %d: chain from head %d uses an indirect descriptor, but VIRTIO_F_INDIRECT_DESC was not negotiated",
                    index, head);
        }
        if (inIndirect) {
            throw VirtioProtocolException.of("queue %d: chain from head %d nests an indirect table in another",
                    index, head);
        }
        if ((flags & DESC_F_NEXT) != 0) {
            throw VirtioProtocolException.of(
                    "queue %d: chain from head %d has a descriptor flagged both INDIRECT and NEXT", index, head);
        }
        if (length == 0 || length % DESCRIPTOR_SIZE != 0 || length / DESCRIPTOR_SIZE > size) {
            throw VirtioProtocolException.of(
                    "queue %d: chain from head %d has an indirect table of %d bytes; it must hold 1 to %d descriptors",
                    index, head, length, size);
        }
        if ((address & (DESCRIPTOR_SIZE - 1)) != 0 || !memory.contains(address, length)) {
            throw VirtioProtocolException.of(
                    "queue %d: chain from head %d has an indirect table at 0x%x (+0x%x) that is not 16-byte aligned inside guest RAM",
                    index, head, address, length);
        }
    }

    /**
     * Returns a chain to the driver. {@code written} is how many bytes the device wrote
     * into its writable buffers.
     */
    public void addUsed(int head, int written) {
        long element = usedRing + 4 + 8L * (nextUsed & (size - 1));
        memory.write32(element, head);
        memory.write32(element + 4, Integer.toUnsignedLong(written));
        nextUsed = (nextUsed + 1) & 0xFFFF;
        // The element must be visible before the index that publishes it.
        VarHandle.releaseFence();
        memory.write16(usedRing + 2, nextUsed);
    }

    /**
     * Whether the driver wants an interrupt for the chains used since the last call:
     * VIRTIO_F_EVENT_IDX's used_event when negotiated, else the NO_INTERRUPT flag.
     */
    public boolean needsInterrupt() {
        // Our used index store must not be reordered after the driver's suppression field read.
        VarHandle.fullFence();
        if (!eventIdx) {
            return (memory.readU16(availRing) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int usedEvent = memory.readU16(availRing + 4 + 2L * size);
        int old = signalledUsed;
        boolean wasValid = signalledValid;
        signalledUsed = nextUsed;
        signalledValid = true;
        // vring_need_event: did the used index step over used_event since the last decision?
        return !wasValid || ((nextUsed - usedEvent - 1) & 0xFFFF) < ((nextUsed - old) & 0xFFFF);
    }
}
