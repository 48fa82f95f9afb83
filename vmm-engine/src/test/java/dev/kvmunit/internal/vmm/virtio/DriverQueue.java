package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * The driver's half of a split virtqueue, as a test plays it: lays out the three ring
 * areas, builds descriptor chains (direct or indirect), publishes them and collects what
 * the device used. Descriptors are handed out round-robin, so at most {@code size}
 * descriptors may be outstanding.
 */
final class DriverQueue {
    record Segment(long address, int length, boolean writable) {
    }

    record Used(int head, int length) {
    }

    final GuestMemory memory;
    final int size;
    final long desc;
    final long avail;
    final long used;
    private int nextDescriptor;
    private int availIdx;
    private int lastUsed;

    DriverQueue(GuestMemory memory, int size, long desc, long avail, long used) {
        this.memory = memory;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    /** Lays the rings out from {@code base} upwards; returns the queue. */
    static DriverQueue at(GuestMemory memory, long base, int size) {
        long desc = base;
        long avail = desc + 16L * size;
        long used = align(avail + 6 + 2L * size, 4);
        return new DriverQueue(memory, size, desc, avail, used);
    }

    /** Bytes {@link #at} uses for a queue of {@code size}. */
    static long footprint(int size) {
        return align(16L * size + 6 + 2L * size, 4) + 6 + 8L * size;
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    void writeDescriptor(long table, int index, long address, long length, int flags, int next) {
        writeDescriptor(memory, table, index, address, length, flags, next);
    }

    static void writeDescriptor(GuestMemory memory, long table, int index, long address, long length, int flags,
                                int next) {
        long d = table + 16L * index;
        memory.write64(d, address);
        memory.write32(d + 8, length);
        memory.write16(d + 12, flags);
        memory.write16(d + 14, next);
    }

    /** Adds a chain of direct descriptors and publishes it; returns its head. */
    int add(Segment... segments) {
        int head = nextDescriptor;
        for (int i = 0; i < segments.length; i++) {
            int index = (head + i) % size;
            boolean last = i == segments.length - 1;
            int flags = (segments[i].writable() ? Virtqueue.DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.DESC_F_NEXT);
            writeDescriptor(desc, index, segments[i].address(), segments[i].length(), flags, (index + 1) % size);
        }
        nextDescriptor = (head + segments.length) % size;
        publish(head);
        return head;
    }

    /** Adds one descriptor pointing at an indirect table (written at {@code table}) of the segments. */
    int addIndirect(long table, Segment... segments) {
        for (int i = 0; i < segments.length; i++) {
            boolean last = i == segments.length - 1;
            int flags = (segments[i].writable() ? Virtqueue.DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.DESC_F_NEXT);
            writeDescriptor(table, i, segments[i].address(), segments[i].length(), flags, i + 1);
        }
        int head = nextDescriptor;
        writeDescriptor(desc, head, table, 16L * segments.length, Virtqueue.DESC_F_INDIRECT, 0);
        nextDescriptor = (head + 1) % size;
        publish(head);
        return head;
    }

    /** Puts {@code head} in the next available slot and bumps the index. */
    void publish(int head) {
        memory.write16(avail + 4 + 2L * (availIdx % size), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        memory.write16(avail + 2, availIdx);
    }

    void setAvailIdx(int value) {
        availIdx = value & 0xFFFF;
        memory.write16(avail + 2, availIdx);
    }

    void setAvailFlags(int flags) {
        memory.write16(avail, flags);
    }

    /** VIRTIO_F_EVENT_IDX: interrupt me once the used index passes {@code value}. */
    void setUsedEvent(int value) {
        memory.write16(avail + 4 + 2L * size, value);
    }

    /** VIRTIO_F_EVENT_IDX: the device's avail_event. */
    int availEvent() {
        return memory.readU16(used + 4 + 8L * size);
    }

    int usedIdx() {
        return memory.readU16(used + 2);
    }

    /** Everything the device used since the last call. */
    List<Used> takeUsed() {
        List<Used> out = new ArrayList<>();
        int idx = usedIdx();
        while (lastUsed != idx) {
            long e = used + 4 + 8L * (lastUsed % size);
            out.add(new Used((int) memory.readU32(e), (int) memory.readU32(e + 4)));
            lastUsed = (lastUsed + 1) & 0xFFFF;
        }
        return out;
    }
}
