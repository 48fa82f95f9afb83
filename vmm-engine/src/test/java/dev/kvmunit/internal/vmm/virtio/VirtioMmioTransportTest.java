package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioMmioTransportTest {
    private static final long MEMORY_SIZE = 1 << 20;

    private final GuestMemory memory = GuestMemory.forTesting(MEMORY_SIZE);
    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final RecordingFaults faults = new RecordingFaults();
    private final RecordingPort consoleOut = new RecordingPort();
    private final VirtioConsole console = new VirtioConsole(List.of(ConsolePort.console(consoleOut)));
    private final VirtioMmioTransport transport = new VirtioMmioTransport(memory, console, irq, faults);
    private final MmioDriver driver = new MmioDriver(memory, transport, 0x1000);

    @AfterEach
    void freeMemory() {
        memory.close();
    }

    private void assertFailedWith(String reasonFragment) {
        String reason = faults.only();
        assertTrue(reason.contains(reasonFragment), () -> "reason '" + reason + "' lacks '" + reasonFragment + "'");
        assertTrue((driver.status() & MmioDriver.DEVICE_NEEDS_RESET) != 0, "DEVICE_NEEDS_RESET set");
        assertEquals(2, driver.read(MmioDriver.INTERRUPT_STATUS) & 2, "configuration change interrupt");
        assertTrue(irq.level());
    }

    @Test
    void identifiesAsAVersion2ConsoleWithModernFeatures() {
        assertEquals(0x74726976, driver.read(MmioDriver.MAGIC));
        assertEquals(2, driver.read(MmioDriver.VERSION));
        assertEquals(3, driver.read(MmioDriver.DEVICE_ID));
        assertEquals(0, driver.read(MmioDriver.VENDOR_ID));
        long features = driver.deviceFeatures();
        assertEquals(MmioDriver.VERSION_1 | MmioDriver.INDIRECT | MmioDriver.EVENT_IDX
                | VirtioFeatures.bit(VirtioConsole.F_MULTIPORT), features);
        driver.write(MmioDriver.QUEUE_SEL, 3);
        assertEquals(256, driver.read(MmioDriver.QUEUE_NUM_MAX));
        driver.write(MmioDriver.QUEUE_SEL, 4);
        assertEquals(0, driver.read(MmioDriver.QUEUE_NUM_MAX), "a one-port console has four queues");
        assertEquals(0, driver.read(MmioDriver.CONFIG_GENERATION));
    }

    @Test
    void registerAccessesOtherThanAligned32BitAreIgnored() {
        byte[] narrow = new byte[2];
        transport.read(MmioDriver.MAGIC, narrow);
        assertArrayEquals(new byte[2], narrow);
        byte[] unaligned = new byte[4];
        transport.read(MmioDriver.MAGIC + 1, unaligned);
        assertArrayEquals(new byte[4], unaligned);

        transport.write(MmioDriver.STATUS, new byte[] {1});
        assertEquals(0, driver.status());
    }

    @Test
    void configSpaceIsReadableAtAnyWidthAndZeroBeyondItsEnd() {
        byte[] maxPorts = new byte[4];
        transport.read(MmioDriver.CONFIG + 4, maxPorts);
        assertArrayEquals(new byte[] {1, 0, 0, 0}, maxPorts);
        byte[] beyond = {9, 9};
        transport.read(0xFFE, beyond);
        assertArrayEquals(new byte[2], beyond);
    }

    @Test
    void featuresWithoutVersion1AreRefused() {
        assertFalse(driver.negotiate(VirtioFeatures.bit(VirtioConsole.F_MULTIPORT)));
        assertEquals(MmioDriver.ACKNOWLEDGE | MmioDriver.DRIVER, driver.status());
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void featuresTheDeviceDidNotOfferAreRefused() {
        assertFalse(driver.negotiate(MmioDriver.VERSION_1 | VirtioFeatures.bit(34)));
    }

    @Test
    void offeredFeaturesAreAcceptedAndFrozenAfterFeaturesOk() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        // A late attempt to add indirect descriptors must not take effect.
        driver.write(MmioDriver.DRIVER_FEATURES_SEL, 0);
        driver.write(MmioDriver.DRIVER_FEATURES, (int) MmioDriver.INDIRECT);
        DriverQueue tx = driver.setUpQueue(1, 16);
        driver.driverOk();
        tx.addIndirect(driver.allocate(16, 16), new DriverQueue.Segment(driver.allocate(4, 1), 4, false));
        driver.kick(1);
        assertFailedWith("VIRTIO_F_INDIRECT_DESC was not negotiated");
    }

    @Test
    void clearingStatusBitsWithoutResetFailsTheDevice() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.write(MmioDriver.STATUS, MmioDriver.ACKNOWLEDGE);
        assertFailedWith("driver cleared device status bits");
    }

    @Test
    void driverCannotSetDeviceNeedsResetItself() {
        driver.write(MmioDriver.STATUS, MmioDriver.ACKNOWLEDGE | MmioDriver.DEVICE_NEEDS_RESET);
        assertEquals(MmioDriver.ACKNOWLEDGE, driver.status());
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void driverOkWithoutFeaturesOkFailsTheDevice() {
        driver.write(MmioDriver.STATUS, MmioDriver.ACKNOWLEDGE);
        driver.write(MmioDriver.STATUS, MmioDriver.ACKNOWLEDGE | MmioDriver.DRIVER | MmioDriver.DRIVER_OK);
        assertFailedWith("DRIVER_OK without FEATURES_OK");
    }

    @Test
    void queueReadyBeforeFeaturesOkFailsTheDevice() {
        driver.write(MmioDriver.STATUS, MmioDriver.ACKNOWLEDGE | MmioDriver.DRIVER);
        driver.setUpQueue(0, 16);
        assertFailedWith("before the driver set FEATURES_OK");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 100, 512, -1})
    void queueSizeThatIsNotAPowerOfTwoWithinTheMaximumFailsTheDevice(int size) {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.program(0, size, 0x10000, 0x11000, 0x12000);
        assertFailedWith("size " + size + " is not a power of two between 1 and the maximum 256");
        assertEquals(0, driver.read(MmioDriver.QUEUE_READY));
    }

    @Test
    void ringOutsideGuestMemoryFailsTheDevice() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.program(0, 16, MEMORY_SIZE - 16, 0x11000, 0x12000);
        assertFailedWith("descriptor table at 0x" + Long.toHexString(MEMORY_SIZE - 16));
    }

    @Test
    void ringAboveFourGigabytesIsCheckedWithAllSixtyFourBits() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.program(0, 16, 0x1_0001_0000L, 0x11000, 0x12000);
        assertFailedWith("descriptor table at 0x100010000");
    }

    @Test
    void misalignedUsedRingFailsTheDevice() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.program(0, 16, 0x10000, 0x11000, 0x12002);
        assertFailedWith("used ring at 0x12002");
    }

    @Test
    void notificationForAMissingQueueFailsTheDevice() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.driverOk();
        transport.notify(9);
        assertFailedWith("notification for queue 9, device has 4 queues");
    }

    @Test
    void readyQueueIgnoresReconfigurationAndCanBeDisabled() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        DriverQueue tx = driver.setUpQueue(1, 16);
        assertEquals(1, driver.read(MmioDriver.QUEUE_READY));
        driver.write(MmioDriver.QUEUE_DESC_LOW, 0xFFFF_0000);
        driver.driverOk();
        long text = driver.allocate(2, 1);
        memory.write(text, "ok".getBytes(StandardCharsets.US_ASCII));
        tx.add(new DriverQueue.Segment(text, 2, false));
        driver.kick(1);
        assertEquals("ok", consoleOut.text());

        driver.write(MmioDriver.QUEUE_READY, 0);
        assertEquals(0, driver.read(MmioDriver.QUEUE_READY));
        tx.add(new DriverQueue.Segment(text, 2, false));
        driver.kick(1);
        assertEquals("ok", consoleOut.text(), "a disabled queue is not processed");
        assertEquals(List.of(), faults.reasons);
    }

    @Test
    void buffersMadeAvailableBeforeDriverOkAreProcessedOnActivation() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        DriverQueue tx = driver.setUpQueue(1, 16);
        long text = driver.allocate(5, 1);
        memory.write(text, "early".getBytes(StandardCharsets.US_ASCII));
        tx.add(new DriverQueue.Segment(text, 5, false));
        driver.kick(1);
        assertEquals("", consoleOut.text(), "nothing is consumed before DRIVER_OK");

        driver.driverOk();
        assertEquals("early", consoleOut.text());
    }

    @Test
    void usedBufferInterruptIsRaisedUntilAcknowledged() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        DriverQueue tx = driver.setUpQueue(1, 16);
        driver.driverOk();
        tx.add(new DriverQueue.Segment(driver.allocate(1, 1), 1, false));
        driver.kick(1);

        assertTrue(irq.level());
        assertEquals(1, driver.read(MmioDriver.INTERRUPT_STATUS));
        driver.write(MmioDriver.INTERRUPT_ACK, 1);
        assertFalse(irq.level());
        assertEquals(0, driver.read(MmioDriver.INTERRUPT_STATUS));
    }

    @Test
    void noInterruptFlagSuppressesUsedBufferInterrupts() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        DriverQueue tx = driver.setUpQueue(1, 16);
        driver.driverOk();
        tx.setAvailFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        tx.add(new DriverQueue.Segment(driver.allocate(1, 1), 1, false));
        driver.kick(1);

        assertEquals(1, tx.takeUsed().size());
        assertEquals(0, irq.raises());
    }

    @Test
    void resetClearsEverythingAndRevivesAFailedDevice() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.program(0, 7, 0x10000, 0x11000, 0x12000);
        assertFailedWith("size 7");
        assertEquals(0, driver.read(MmioDriver.INTERRUPT_STATUS) & 1);

        driver.write(MmioDriver.STATUS, 0);

        assertEquals(0, driver.status());
        assertEquals(0, driver.read(MmioDriver.INTERRUPT_STATUS));
        assertFalse(irq.level());
        assertNull(transport.failure());
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        driver.setUpQueue(1, 16);
        assertEquals(1, driver.read(MmioDriver.QUEUE_READY));
        assertEquals(1, faults.reasons.size());
    }

    @Test
    void aFailedDeviceStaysFailedAndReportsOnlyOnce() {
        assertTrue(driver.negotiate(MmioDriver.VERSION_1));
        DriverQueue tx = driver.setUpQueue(1, 16);
        driver.driverOk();
        tx.setAvailIdx(100);
        driver.kick(1);
        driver.kick(1);
        driver.write(MmioDriver.STATUS, driver.status() | 128);

        assertFailedWith("available index 100 is 100 entries ahead of the device's 0, more than the queue size 16");
        assertTrue((driver.status() & 128) != 0, "the driver may still say FAILED");
    }
}
