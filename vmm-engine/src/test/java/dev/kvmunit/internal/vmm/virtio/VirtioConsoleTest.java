package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioConsoleTest {
    private static final int AGENT_CAPACITY = 1024;

    private final GuestMemory memory = GuestMemory.forTesting(4 << 20);
    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final RecordingFaults faults = new RecordingFaults();
    private final RecordingPort consoleOut = new RecordingPort();
    private final RecordingPort agentOut = new RecordingPort();
    private final ConsolePort console = ConsolePort.console(consoleOut);
    private final ConsolePort agent = ConsolePort.named(VirtioConsole.AGENT_PORT_NAME, agentOut, AGENT_CAPACITY);
    private final VirtioConsole device = VirtioConsole.consoleAndAgent(console, agent);
    private final VirtioMmioTransport transport = new VirtioMmioTransport(memory, device, irq, faults);
    private final MmioDriver driver = new MmioDriver(memory, transport, 0x1000);
    private final ConsoleGuest guest = new ConsoleGuest(driver, 2);

    @AfterEach
    void freeMemory() {
        memory.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void assertFailedWith(String reasonFragment) {
        String reason = faults.only();
        assertTrue(reason.contains(reasonFragment), () -> "reason '" + reason + "' lacks '" + reasonFragment + "'");
        assertEquals(reason, transport.failure());
        assertTrue((driver.status() & MmioDriver.DEVICE_NEEDS_RESET) != 0, "DEVICE_NEEDS_RESET set");
        assertTrue((driver.read(MmioDriver.INTERRUPT_STATUS) & 2) != 0, "configuration change interrupt pending");
        assertTrue(irq.level(), "interrupt line raised");
    }

    @Test
    void multiportHandshakeAnnouncesConsoleAndNamedAgentPort() {
        guest.startMultiport(0);

        assertEquals(List.of(
                new ConsoleGuest.Control(0, VirtioConsole.PORT_ADD, 1, null),
                new ConsoleGuest.Control(1, VirtioConsole.PORT_ADD, 1, null),
                new ConsoleGuest.Control(0, VirtioConsole.CONSOLE_PORT, 1, null),
                new ConsoleGuest.Control(0, VirtioConsole.PORT_OPEN, 1, null),
                new ConsoleGuest.Control(1, VirtioConsole.PORT_NAME, 1, "kvmunit.agent"),
                new ConsoleGuest.Control(1, VirtioConsole.PORT_OPEN, 1, null)), guest.controlReceived);
        assertEquals(2, driver.read(MmioDriver.CONFIG + 4), "max_nr_ports");
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void guestWritesReachTheListenerOfTheirPort() {
        guest.startMultiport(0);
        int raisesBefore = irq.raises();

        guest.write(0, "Linux version 6.12\n");
        guest.write(1, "agent hello");
        guest.write(0, "login: ");

        assertEquals("Linux version 6.12\nlogin: ", consoleOut.text());
        assertEquals("agent hello", agentOut.text());
        assertTrue(irq.raises() > raisesBefore, "used transmit buffers were signalled");
        assertEquals(1, driver.acknowledgeInterrupts());
        assertFalse(irq.level(), "line drops once acknowledged");
    }

    @Test
    void consoleInputIsDeliveredOnceThePortIsReady() {
        assertTrue(console.offer(bytes("before the driver\n")));
        assertEquals(18, console.pendingBytes());

        guest.startMultiport(0);
        assertTrue(console.offer(bytes("after")));

        assertEquals("before the driver\nafter", guest.read(0));
        assertEquals(0, console.pendingBytes());
    }

    @Test
    void dataSentBeforeTheDeviceHasATransportWaitsInThePort() {
        ConsolePort early = ConsolePort.console(new RecordingPort());
        VirtioConsole unattached = new VirtioConsole(List.of(early));

        assertTrue(early.offer(bytes("queued")));

        assertEquals(6, early.pendingBytes());
        assertEquals(List.of(early), unattached.ports());
    }

    @Test
    void agentInputWaitsUntilTheGuestOpensThePort() {
        guest.startMultiport(0);
        assertTrue(agent.offer(bytes("request")));
        assertEquals("", guest.read(1), "Linux drops data for a port nobody has open");

        guest.sendControl(1, VirtioConsole.PORT_OPEN, 1);

        assertTrue(agent.isGuestOpen());
        assertEquals(List.of(true), agentOut.openEvents);
        assertEquals("request", guest.read(1));
    }

    @Test
    void hostDataLongerThanOneBufferSpansSeveralInOrder() {
        guest.startMultiport(0);
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 5000; i++) {
            text.append(i).append(' ');
        }
        String expected = text.toString();
        byte[] data = bytes(expected);

        assertTrue(console.offer(data));
        String received = guest.read(0);
        // Eight 256-byte buffers per read; the guest reposts each, which lets more flow.
        while (received.length() < expected.length()) {
            String more = guest.read(0);
            assertTrue(more.length() > received.length(), "delivery stalled at " + received.length());
            received = more;
        }
        assertEquals(expected, received);
    }

    @Test
    void hostThreadStreamingIntoAGuestThreadArrivesIntactThroughTheBoundedQueue() throws Exception {
        guest.startMultiport(0);
        guest.sendControl(1, VirtioConsole.PORT_OPEN, 1);
        byte[] stream = new byte[64 * 1024];
        new Random(42).nextBytes(stream);

        CompletableFuture<Void> host = CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < stream.length; at += 100) {
                    agent.send(Arrays.copyOfRange(stream, at, Math.min(stream.length, at + 100)),
                            Duration.ofMinutes(1));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The guest side (this thread) reads and reposts buffers until everything arrived.
        while (guest.readBytes(1).length < stream.length && !host.isCompletedExceptionally()) {
            Thread.onSpinWait();
        }
        host.get(1, TimeUnit.MINUTES);

        assertArrayEquals(stream, guest.readBytes(1), "every byte, in order");
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void sixteenBitRingIndicesWrapAroundUnderSustainedTraffic() {
        guest.startMultiport(0);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 70_000; i++) {
            String piece = Integer.toString(i % 10);
            guest.write(0, piece);
            expected.append(piece);
        }
        assertEquals(70_000 & 0xFFFF, guest.queues.get(ConsoleGuest.txQueue(0)).usedIdx());
        assertEquals(expected.toString(), consoleOut.text());
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void portOpenAndCloseFromTheGuestAreReported() {
        guest.startMultiport(0);

        guest.sendControl(1, VirtioConsole.PORT_OPEN, 1);
        guest.sendControl(1, VirtioConsole.PORT_OPEN, 0);

        assertEquals(List.of(true, false), agentOut.openEvents);
        assertFalse(agent.isGuestOpen());
    }

    @Test
    void offerRefusesDataBeyondCapacityAndSendTimesOut() throws Exception {
        guest.startMultiport(0);
        assertTrue(agent.offer(new byte[1000]));

        assertFalse(agent.offer(new byte[100]));
        assertEquals(1000, agent.pendingBytes());
        assertThrows(TimeoutException.class, () -> agent.send(new byte[100], Duration.ofMillis(20)));
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> agent.offer(new byte[AGENT_CAPACITY + 1]));
        assertTrue(tooBig.getMessage().contains("smaller pieces"));

        guest.sendControl(1, VirtioConsole.PORT_OPEN, 1);
        assertEquals(1000, guest.read(1).length());
        assertTrue(agent.offer(new byte[100]));
    }

    @Test
    void sendWaitsForTheGuestToMakeRoom() throws Exception {
        guest.startMultiport(0);
        assertTrue(agent.offer(new byte[1000]));

        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                agent.send(bytes("tail"), Duration.ofMinutes(1));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        guest.sendControl(1, VirtioConsole.PORT_OPEN, 1);
        sent.get(1, TimeUnit.MINUTES);

        String received = guest.read(1);
        assertTrue(received.endsWith("tail"), "the waiting data followed the queued data");
        assertEquals(1004, received.length());
    }

    @Test
    void driverWithoutMultiportGetsPortZeroAsItsConsole() {
        guest.start(MmioDriver.VERSION_1, 4);

        guest.write(0, "early printk");
        assertTrue(console.offer(bytes("typed")));

        assertEquals("early printk", consoleOut.text());
        assertEquals("typed", guest.read(0));
        assertEquals(List.of(), guest.controlReceived);
    }

    @Test
    void trafficWorksWithIndirectDescriptorsAndEventIndex() {
        guest.startMultiport(MmioDriver.INDIRECT | MmioDriver.EVENT_IDX);
        DriverQueue tx = guest.queues.get(ConsoleGuest.txQueue(1));
        long part1 = driver.allocate(3, 1);
        long part2 = driver.allocate(4, 1);
        memory.write(part1, bytes("abc"));
        memory.write(part2, bytes("defg"));

        tx.addIndirect(driver.allocate(32, 16),
                new DriverQueue.Segment(part1, 3, false), new DriverQueue.Segment(part2, 4, false));
        driver.kick(ConsoleGuest.txQueue(1));

        assertEquals("abcdefg", agentOut.text());
        assertEquals(1, tx.takeUsed().size());
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void shortControlMessageFailsTheDevice() {
        guest.startMultiport(0);
        guest.transmit(VirtioConsole.CONTROL_TX_QUEUE, new byte[] {1, 0, 0, 0});
        assertFailedWith("shorter than its 8-byte header");
    }

    @Test
    void controlMessageForAMissingPortFailsTheDevice() {
        guest.startMultiport(0);
        guest.sendControl(7, VirtioConsole.PORT_OPEN, 1);
        assertFailedWith("for port 7, device has 2 ports");
    }

    @Test
    void controlEventOnlyTheDeviceMaySendFailsTheDevice() {
        guest.startMultiport(0);
        guest.sendControl(0, VirtioConsole.CONSOLE_PORT, 1);
        assertFailedWith("unexpected console control event 4");
    }

    @Test
    void driverReportingInitFailureFailsTheDevice() {
        guest.start(MmioDriver.VERSION_1 | VirtioFeatures.bit(VirtioConsole.F_MULTIPORT), 4);
        guest.sendControl(0xFFFF_FFFFL, VirtioConsole.DEVICE_READY, 0);
        assertFailedWith("failed to initialise");
    }

    @Test
    void controlReceiveBufferTooSmallForTheMessageFailsTheDevice() {
        guest.start(MmioDriver.VERSION_1 | VirtioFeatures.bit(VirtioConsole.F_MULTIPORT), 0);
        guest.postRx(VirtioConsole.CONTROL_RX_QUEUE, 4);
        guest.sendControl(0xFFFF_FFFFL, VirtioConsole.DEVICE_READY, 1);
        assertFailedWith("a control message needs 8");
    }

    @Test
    void hugeTransmitBufferFailsTheDeviceWithoutReadingIt() {
        guest.startMultiport(0);
        DriverQueue tx = guest.queues.get(ConsoleGuest.txQueue(0));
        tx.add(new DriverQueue.Segment(0, 3 << 20, false));
        driver.kick(ConsoleGuest.txQueue(0));

        assertFailedWith("more than the 1048576 this queue accepts");
        assertEquals("", consoleOut.text());
    }

    @Test
    void receiveChainWithoutWritableSpaceFailsTheDevice() {
        guest.start(MmioDriver.VERSION_1, 0);
        DriverQueue rx = guest.queues.get(0);
        rx.add(new DriverQueue.Segment(driver.allocate(16, 8), 16, false));
        driver.kick(0);
        assertTrue(console.offer(bytes("x")));
        assertFailedWith("no device-writable buffer");
    }

    @Test
    void failedDeviceIgnoresItsQueuesUntilResetThenWorksAgain() {
        guest.startMultiport(0);
        guest.sendControl(0, VirtioConsole.CONSOLE_PORT, 1);
        assertFailedWith("unexpected");

        guest.write(0, "ignored");
        assertTrue(console.offer(bytes("kept")));
        assertEquals("", consoleOut.text());
        assertEquals(4, console.pendingBytes(), "a failed device delivers nothing");

        ConsoleGuest fresh = new ConsoleGuest(driver, 2);
        fresh.startMultiport(0);
        assertNull(transport.failure());
        fresh.write(0, "after reset");
        assertEquals("after reset", consoleOut.text());
        assertEquals("kept", fresh.read(0), "host data queued meanwhile reaches the new driver");
        assertEquals(1, faults.reasons.size());
    }
}
