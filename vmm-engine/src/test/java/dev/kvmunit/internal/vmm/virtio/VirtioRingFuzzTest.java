package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Pushes random rings through a virtio-console: random queue sizes and ring addresses,
 * random descriptor tables and indirect tables, random available rings and indices,
 * random notifications. For each case the device must not throw, must write guest memory
 * only where the driver allowed it (used rings and device-writable buffers), must find
 * every violation itself rather than trip over guest memory bounds, and must either
 * consume everything made available or mark itself DEVICE_NEEDS_RESET.
 *
 * <p>Reproducible: case {@code i} uses seed {@code base + i}; set the base with
 * {@code -Dkvmunit.fuzz.seed=N} and the count with {@code -Dkvmunit.fuzz.cases=N}.
 */
class VirtioRingFuzzTest {
    private static final int MEMORY_SIZE = 16 * 1024;
    /** Rings live below this, one 1 KiB slot per queue. */
    private static final int RING_AREA = 0x1000;
    private static final int QUEUE_SLOT = 0x400;
    /** Candidate indirect tables, 16-byte slots. */
    private static final int INDIRECT_AREA = 0x1000;
    private static final int INDIRECT_AREA_SIZE = 0x400;
    /** Well-formed control messages for the control transmit queue to point at. */
    private static final int CONTROL_AREA = 0x2000;
    private static final int CONTROL_AREA_SIZE = 0x100;
    /** Buffers the descriptors point at. */
    private static final int DATA_AREA = 0x2100;
    private static final int QUEUES = 4;

    private final GuestMemory memory = GuestMemory.forTesting(MEMORY_SIZE);

    @AfterEach
    void freeMemory() {
        memory.close();
    }

    @Test
    void randomRingsNeverEscapeTheDevice() {
        long base = Long.getLong("kvmunit.fuzz.seed", 0x6b766d756e6974L);
        int cases = Integer.getInteger("kvmunit.fuzz.cases", 100_000);
        int failed = 0;
        for (int i = 0; i < cases; i++) {
            long seed = base + i;
            try {
                failed += runCase(new Random(seed)) ? 1 : 0;
            } catch (Throwable t) {
                throw new AssertionError("fuzz case failed; reproduce with -Dkvmunit.fuzz.seed=" + seed
                        + " -Dkvmunit.fuzz.cases=1", t);
            }
        }
        // Both outcomes must be common, or the generator has drifted into testing one path.
        assertTrue(failed > cases / 10 && failed < cases - cases / 10,
                failed + " of " + cases + " cases failed the device");
    }

    /** One case's random source and how often it breaks the rules on purpose. */
    private record Dice(Random random, double chaos) {
        boolean wild() {
            return random.nextDouble() < chaos;
        }

        int below(int bound) {
            return random.nextInt(bound);
        }
    }

    /** Runs one case; returns whether the device declared itself broken. */
    private boolean runCase(Random random) {
        // Mostly well-formed rings with a sprinkling of bad values, so that both healthy
        // processing and every kind of violation get exercised.
        Dice dice = new Dice(random, new double[] {0, 0.002, 0.01, 0.05, 0.3}[random.nextInt(5)]);
        memory.fill(0, MEMORY_SIZE, (byte) 0);
        writeControlMessages();
        RecordingFaults faults = new RecordingFaults();
        RecordingIrqLine irq = new RecordingIrqLine();
        ConsolePort console = ConsolePort.console(new RecordingPort());
        ConsolePort agent = ConsolePort.named("fuzz", new RecordingPort());
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, VirtioConsole.consoleAndAgent(console, agent),
                irq, faults);
        MmioDriver driver = new MmioDriver(memory, transport, 0);

        long features = MmioDriver.VERSION_1
                | (random.nextBoolean() ? MmioDriver.INDIRECT : 0)
                | (random.nextBoolean() ? MmioDriver.EVENT_IDX : 0)
                | (random.nextBoolean() ? VirtioFeatures.bit(VirtioConsole.F_MULTIPORT) : 0);
        assertTrue(driver.negotiate(features));
        boolean indirect = VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);

        DriverQueue[] queues = new DriverQueue[QUEUES];
        for (int q = 0; q < QUEUES; q++) {
            queues[q] = randomQueue(dice, driver, q, indirect);
        }
        // Indirect tables are filled for the worst case: writable entries, as rx queues use.
        for (int slot = 0; slot < INDIRECT_AREA_SIZE / 16; slot++) {
            randomDescriptor(dice, INDIRECT_AREA, slot, 4, true, false, false);
        }
        byte[] before = memory.read(0, MEMORY_SIZE);
        boolean[] writable = writableByDevice(queues);

        if (random.nextInt(4) > 0) {
            console.offer(new byte[random.nextInt(600)]);
            agent.offer(new byte[random.nextInt(600)]);
        }
        driver.driverOk();
        for (int kicks = random.nextInt(4); kicks > 0; kicks--) {
            int queue = dice.wild() ? random.nextInt() : random.nextInt(QUEUES);
            if (random.nextBoolean()) {
                driver.kick(queue);
            } else {
                transport.notify(queue);
            }
        }

        checkWrites(before, memory.read(0, MEMORY_SIZE), writable);
        String failure = transport.failure();
        if (failure != null) {
            assertFalse(failure.startsWith("device error"), "a violation was caught only by a bounds check: " + failure);
            assertEquals(List.of(failure), faults.reasons);
            assertTrue((driver.status() & MmioDriver.DEVICE_NEEDS_RESET) != 0);
            assertTrue(irq.level());
            return true;
        }
        assertEquals(List.of(), faults.reasons);
        // A healthy device consumed every chain made available on its transmit queues.
        assertConsumed(queues[1]);
        if (VirtioFeatures.has(features, VirtioConsole.F_MULTIPORT)) {
            assertConsumed(queues[VirtioConsole.CONTROL_TX_QUEUE]);
        } else if (console.pendingBytes() > 0) {
            // Data still waiting for the console means it used up every receive buffer.
            assertConsumed(queues[0]);
        }
        return false;
    }

    /** Control messages a driver may send (DEVICE_READY, PORT_READY, PORT_OPEN), 8 bytes each. */
    private void writeControlMessages() {
        int[][] messages = {{-1, VirtioConsole.DEVICE_READY, 1}, {0, VirtioConsole.PORT_READY, 1},
                {1, VirtioConsole.PORT_READY, 1}, {1, VirtioConsole.PORT_OPEN, 1}, {1, VirtioConsole.PORT_OPEN, 0}};
        for (int slot = 0; slot < CONTROL_AREA_SIZE / 8; slot++) {
            int[] m = messages[slot % messages.length];
            memory.write32(CONTROL_AREA + 8L * slot, Integer.toUnsignedLong(m[0]));
            memory.write16(CONTROL_AREA + 8L * slot + 4, m[1]);
            memory.write16(CONTROL_AREA + 8L * slot + 6, m[2]);
        }
    }

    private void assertConsumed(DriverQueue queue) {
        if (queue != null) {
            assertEquals(memory.readU16(queue.avail + 2), queue.usedIdx(), "used index caught up with avail index");
        }
    }

    /** Sets up queue {@code q} with random size and rings, usually valid; null if it never became ready. */
    private DriverQueue randomQueue(Dice dice, MmioDriver driver, int q, boolean indirect) {
        // Valid sizes stay within a queue's slot; the wild ones are all invalid.
        int size = dice.wild() ? new int[] {0, 3, 6, 17, 100, 512, 65535}[dice.below(7)] : 1 << dice.below(5);
        long slot = (long) q * QUEUE_SLOT;
        long desc = dice.wild() ? randomAddress(dice) : slot;
        long avail = dice.wild() ? randomAddress(dice) : slot + 16L * size;
        long used = dice.wild() ? randomAddress(dice) : DriverQueue.align(slot + 16L * size + 6 + 2L * size, 4);
        driver.program(q, size, desc, avail, used);
        if (driver.read(MmioDriver.QUEUE_READY) == 0) {
            return null;
        }
        DriverQueue queue = new DriverQueue(memory, size, desc, avail, used);
        boolean deviceWrites = q % 2 == 0;
        for (int i = 0; i < size; i++) {
            randomDescriptor(dice, desc, i, size, deviceWrites, indirect, q == VirtioConsole.CONTROL_TX_QUEUE);
            memory.write16(avail + 4 + 2L * i, dice.wild() ? dice.below(1 << 16) : dice.below(size));
        }
        memory.write16(avail, dice.below(4) == 0 ? Virtqueue.AVAIL_F_NO_INTERRUPT : 0);
        memory.write16(avail + 4 + 2L * size, dice.below(1 << 16));
        memory.write16(avail + 2, dice.wild() ? dice.below(1 << 16) : dice.below(size + 1));
        return queue;
    }

    private void randomDescriptor(Dice dice, long table, int index, int tableSize, boolean deviceWrites,
                                  boolean indirect, boolean control) {
        int flags = (dice.below(3) == 0 ? Virtqueue.DESC_F_NEXT : 0) | (deviceWrites ? Virtqueue.DESC_F_WRITE : 0);
        long address = DATA_AREA + dice.below(MEMORY_SIZE - DATA_AREA - 512);
        long length = 8 + dice.below(256);
        if (indirect && dice.below(8) == 0) {
            flags = Virtqueue.DESC_F_INDIRECT;
            address = INDIRECT_AREA + 16L * dice.below(INDIRECT_AREA_SIZE / 16 - 4);
            length = 16L * (1 + dice.below(4));
        } else if (control) {
            flags &= ~Virtqueue.DESC_F_NEXT;
            address = CONTROL_AREA + 8L * dice.below(CONTROL_AREA_SIZE / 8);
            length = 8;
        }
        if (dice.wild()) {
            flags = dice.below(1 << 16);
        }
        if (dice.wild()) {
            address = randomAddress(dice);
        }
        if (dice.wild()) {
            length = dice.random().nextInt() & 0xFFFF_FFFFL;
        }
        int next = dice.wild() ? dice.below(1 << 16) : dice.below(tableSize);
        DriverQueue.writeDescriptor(memory, table, index, address, length, flags, next);
    }

    /**
     * An address that is wrong for a ring (outside guest RAM, straddling its end, or
     * misaligned). As a buffer address it may still be fine, but never aliases the rings:
     * a driver that points buffers at its own rings may legitimately corrupt them.
     */
    private static long randomAddress(Dice dice) {
        return switch (dice.below(4)) {
            case 0 -> dice.random().nextLong();
            case 1 -> MEMORY_SIZE - dice.below(64);
            case 2 -> (DATA_AREA + dice.below(MEMORY_SIZE - DATA_AREA)) | 1;
            default -> 0x1_0000_0000L + dice.below(MEMORY_SIZE);
        };
    }

    /** Used rings of ready queues and buffers of every descriptor flagged device-writable. */
    private boolean[] writableByDevice(DriverQueue[] queues) {
        boolean[] allowed = new boolean[MEMORY_SIZE];
        for (DriverQueue q : queues) {
            if (q == null) {
                continue;
            }
            mark(allowed, q.used, 6 + 8L * q.size);
            for (int i = 0; i < q.size; i++) {
                markIfWritable(allowed, q.desc + 16L * i);
            }
        }
        for (long d = INDIRECT_AREA; d < INDIRECT_AREA + INDIRECT_AREA_SIZE; d += 16) {
            markIfWritable(allowed, d);
        }
        return allowed;
    }

    private void markIfWritable(boolean[] allowed, long descriptor) {
        int flags = memory.readU16(descriptor + 12);
        if ((flags & Virtqueue.DESC_F_WRITE) != 0 && (flags & Virtqueue.DESC_F_INDIRECT) == 0) {
            mark(allowed, memory.readU64(descriptor), memory.readU32(descriptor + 8));
        }
    }

    private static void mark(boolean[] allowed, long address, long length) {
        if (address >= 0 && address < MEMORY_SIZE) {
            long end = Math.min(MEMORY_SIZE, address + Math.min(length, MEMORY_SIZE));
            for (long a = address; a < end; a++) {
                allowed[(int) a] = true;
            }
        }
    }

    private static void checkWrites(byte[] before, byte[] after, boolean[] allowed) {
        for (int i = Arrays.mismatch(before, after); i >= 0 && i < before.length; i++) {
            if (before[i] != after[i] && !allowed[i]) {
                fail(String.format("device wrote guest byte 0x%x, which no used ring or writable buffer covers", i));
            }
        }
    }
}
