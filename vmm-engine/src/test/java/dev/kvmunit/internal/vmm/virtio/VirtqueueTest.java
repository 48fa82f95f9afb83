package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtqueueTest {
    private static final long MEMORY_SIZE = 1 << 20;
    private static final int SIZE = 8;
    private static final long ALL_RING_FEATURES = MmioDriver.VERSION_1 | MmioDriver.INDIRECT | MmioDriver.EVENT_IDX;

    private final GuestMemory memory = GuestMemory.forTesting(MEMORY_SIZE);
    private final DriverQueue driver = DriverQueue.at(memory, 0x1000, SIZE);

    @AfterEach
    void freeMemory() {
        memory.close();
    }

    private Virtqueue open(long features) {
        return Virtqueue.open(memory, 0, SIZE, 256, driver.desc, driver.avail, driver.used, features);
    }

    private static DriverQueue.Segment readable(long address, int length) {
        return new DriverQueue.Segment(address, length, false);
    }

    private static DriverQueue.Segment writable(long address, int length) {
        return new DriverQueue.Segment(address, length, true);
    }

    private static void assertViolation(String fragment, Runnable action) {
        VirtioProtocolException e = assertThrows(VirtioProtocolException.class, action::run);
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void emptyQueueYieldsNothing() {
        assertNull(open(0).next());
    }

    @Test
    void chainedDescriptorsComeBackInOrderWithTheirDirection() {
        Virtqueue q = open(0);
        int head = driver.add(readable(0x10000, 10), readable(0x10100, 20), writable(0x10200, 30));

        DescriptorChain chain = q.next();

        assertEquals(head, chain.head());
        assertEquals(List.of(new DescriptorChain.Buffer(0x10000, 10, false),
                new DescriptorChain.Buffer(0x10100, 20, false),
                new DescriptorChain.Buffer(0x10200, 30, true)), chain.buffers());
        assertEquals(30, chain.readableLength());
        assertEquals(30, chain.writableLength());
        assertNull(q.next());
    }

    @Test
    void readableAndWritableBytesAreCopiedAcrossBufferBoundaries() {
        Virtqueue q = open(0);
        memory.write(0x10000, new byte[] {1, 2});
        memory.write(0x10100, new byte[] {3});
        driver.add(readable(0x10000, 2), readable(0x10100, 1), writable(0x10200, 2), writable(0x10300, 4));
        DescriptorChain chain = q.next();

        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), boxed(chain.readReadable(memory, 3)));
        assertEquals(5, chain.writeWritable(memory, 1, new byte[] {9, 8, 7, 6, 5, 4}, 0, 6),
                "one of six writable bytes skipped, the rest filled");
        assertEquals(0, memory.readU8(0x10200));
        assertEquals(9, memory.readU8(0x10201));
        assertEquals(List.of((byte) 8, (byte) 7, (byte) 6, (byte) 5), boxed(memory.read(0x10300, 4)));
        assertViolation("more than the 2 this queue accepts", () -> chain.readReadable(memory, 2));
    }

    private static List<Byte> boxed(byte[] bytes) {
        Byte[] out = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i];
        }
        return List.of(out);
    }

    @Test
    void indirectTableIsFlattenedIntoTheChain() {
        Virtqueue q = open(ALL_RING_FEATURES);
        int head = driver.addIndirect(0x20000, readable(0x10000, 4), writable(0x10100, 8));

        DescriptorChain chain = q.next();

        assertEquals(head, chain.head());
        assertEquals(List.of(new DescriptorChain.Buffer(0x10000, 4, false),
                new DescriptorChain.Buffer(0x10100, 8, true)), chain.buffers());
    }

    @Test
    void directDescriptorsMayLeadIntoAnIndirectTable() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(0x20000, 0, 0x10100, 8, Virtqueue.DESC_F_WRITE, 0);
        driver.writeDescriptor(driver.desc, 0, 0x10000, 4, Virtqueue.DESC_F_NEXT, 1);
        driver.writeDescriptor(driver.desc, 1, 0x20000, 16, Virtqueue.DESC_F_INDIRECT, 0);
        driver.publish(0);

        assertEquals(2, q.next().buffers().size());
    }

    @Test
    void usedRingAndIndicesWrapAroundSixteenBits() {
        Virtqueue q = open(0);
        for (int i = 0; i < 70_000; i++) {
            int head = driver.add(writable(0x10000 + 8 * (i % SIZE), 8));
            DescriptorChain chain = q.next();
            assertEquals(head, chain.head(), "at iteration " + i);
            q.addUsed(chain.head(), i);
            List<DriverQueue.Used> used = driver.takeUsed();
            assertEquals(List.of(new DriverQueue.Used(head, i)), used, "at iteration " + i);
        }
        assertEquals(70_000 & 0xFFFF, driver.usedIdx());
        assertNull(q.next());
    }

    @Test
    void descriptorLoopIsDetected() {
        Virtqueue q = open(0);
        driver.writeDescriptor(driver.desc, 0, 0x10000, 4, Virtqueue.DESC_F_NEXT, 1);
        driver.writeDescriptor(driver.desc, 1, 0x10000, 4, Virtqueue.DESC_F_NEXT, 0);
        driver.publish(0);
        assertViolation("longer than its 8-entry descriptor table (a loop?)", q::next);
    }

    @Test
    void selfLoopInsideAnIndirectTableIsDetected() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(0x20000, 0, 0x10000, 4, Virtqueue.DESC_F_NEXT, 1);
        driver.writeDescriptor(0x20000, 1, 0x10000, 4, Virtqueue.DESC_F_NEXT, 1);
        driver.writeDescriptor(driver.desc, 0, 0x20000, 32, Virtqueue.DESC_F_INDIRECT, 0);
        driver.publish(0);
        assertViolation("longer than its 2-entry indirect table", q::next);
    }

    @Test
    void headIndexBeyondTheQueueIsRejected() {
        Virtqueue q = open(0);
        driver.publish(SIZE);
        assertViolation("names descriptor 8, queue size is 8", q::next);
    }

    @Test
    void nextIndexBeyondTheTableIsRejected() {
        Virtqueue q = open(0);
        driver.writeDescriptor(driver.desc, 0, 0x10000, 4, Virtqueue.DESC_F_NEXT, 500);
        driver.publish(0);
        assertViolation("links to descriptor 500 of a 8-entry table", q::next);
    }

    @Test
    void bufferOutsideGuestMemoryIsRejected() {
        Virtqueue q = open(0);
        driver.add(readable(MEMORY_SIZE - 4, 8));
        assertViolation("outside guest RAM", q::next);
    }

    @Test
    void hugeBufferLengthIsRejected() {
        Virtqueue q = open(0);
        driver.writeDescriptor(driver.desc, 0, 0x10000, 0xFFFF_FFFFL, 0, 0);
        driver.publish(0);
        assertViolation("[0x10000, +0xffffffff) outside guest RAM", q::next);
    }

    @Test
    void addressThatWrapsSixtyFourBitsIsRejected() {
        Virtqueue q = open(0);
        driver.writeDescriptor(driver.desc, 0, -8, 16, 0, 0);
        driver.publish(0);
        assertViolation("outside guest RAM", q::next);
    }

    @Test
    void availableIndexRunningMoreThanTheQueueSizeAheadIsRejected() {
        Virtqueue q = open(0);
        driver.setAvailIdx(SIZE + 1);
        assertViolation("9 entries ahead of the device's 0, more than the queue size 8", q::next);
    }

    @Test
    void availableIndexBehindTheDeviceIsRejected() {
        Virtqueue q = open(0);
        driver.add(readable(0x10000, 1));
        q.next();
        driver.setAvailIdx(0);
        assertViolation("65535 entries ahead", q::next);
    }

    @Test
    void readableBufferAfterAWritableOneIsRejected() {
        Virtqueue q = open(0);
        driver.add(writable(0x10000, 4), readable(0x10100, 4));
        assertViolation("device-readable buffer after a device-writable one", q::next);
    }

    @Test
    void indirectDescriptorWithoutTheFeatureIsRejected() {
        Virtqueue q = open(MmioDriver.VERSION_1);
        driver.addIndirect(0x20000, readable(0x10000, 4));
        assertViolation("VIRTIO_F_INDIRECT_DESC was not negotiated", q::next);
    }

    @Test
    void nestedIndirectTableIsRejected() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(0x20000, 0, 0x30000, 16, Virtqueue.DESC_F_INDIRECT, 0);
        driver.writeDescriptor(driver.desc, 0, 0x20000, 16, Virtqueue.DESC_F_INDIRECT, 0);
        driver.publish(0);
        assertViolation("nests an indirect table", q::next);
    }

    @Test
    void indirectCombinedWithNextIsRejected() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(driver.desc, 0, 0x20000, 16, Virtqueue.DESC_F_INDIRECT | Virtqueue.DESC_F_NEXT, 1);
        driver.publish(0);
        assertViolation("both INDIRECT and NEXT", q::next);
    }

    @Test
    void indirectTableOfBadLengthIsRejected() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(driver.desc, 0, 0x20000, 24, Virtqueue.DESC_F_INDIRECT, 0);
        driver.writeDescriptor(driver.desc, 1, 0x20000, 16L * (SIZE + 1), Virtqueue.DESC_F_INDIRECT, 0);
        driver.writeDescriptor(driver.desc, 2, 0x20000, 0, Virtqueue.DESC_F_INDIRECT, 0);
        for (int head = 0; head < 3; head++) {
            driver.publish(head);
            assertViolation("it must hold 1 to 8 descriptors", q::next);
        }
    }

    @Test
    void indirectTableOutsideGuestMemoryIsRejected() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.writeDescriptor(driver.desc, 0, MEMORY_SIZE - 16, 32, Virtqueue.DESC_F_INDIRECT, 0);
        driver.publish(0);
        assertViolation("not 16-byte aligned inside guest RAM", q::next);
    }

    @Test
    void eventIndexInterruptsOnlyWhenTheUsedIndexPassesUsedEvent() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.setUsedEvent(2);
        for (int i = 0; i < 4; i++) {
            driver.add(writable(0x10000, 4));
        }
        q.addUsed(q.next().head(), 0);
        assertTrue(q.needsInterrupt(), "the first decision always interrupts");
        q.addUsed(q.next().head(), 0);
        assertFalse(q.needsInterrupt(), "used index 2 has not passed used_event 2");
        q.addUsed(q.next().head(), 0);
        assertTrue(q.needsInterrupt(), "used index 3 passed used_event 2");
        q.addUsed(q.next().head(), 0);
        assertFalse(q.needsInterrupt(), "already told the driver about index 3");
    }

    @Test
    void eventIndexAsksForANotificationWhenTheQueueRunsDry() {
        Virtqueue q = open(ALL_RING_FEATURES);
        driver.add(readable(0x10000, 1));
        driver.add(readable(0x10000, 1));
        q.next();
        q.next();
        assertNull(q.next());
        assertEquals(2, driver.availEvent(), "notify me when avail index passes 2");
    }
}
