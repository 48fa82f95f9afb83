package dev.kvmunit.internal.vmm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Drives the controller through ports 0x60/0x64 as Linux's reboot path and i8042 driver do. */
class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042 controller = new I8042(resets::incrementAndGet);
    private final IoBus pio = new IoBus();

    I8042Test() {
        controller.attachTo(pio);
    }

    private int in(int port) {
        byte[] data = new byte[1];
        assertTrue(pio.read(port, data), "port 0x" + Integer.toHexString(port) + " claimed");
        return data[0] & 0xFF;
    }

    private void out(int port, int value) {
        assertTrue(pio.write(port, new byte[] {(byte) value}));
    }

    /** Linux's i8042_command: write the command, then parameters, then read the answer. */
    private int command(int command, int... parameters) {
        out(0x64, command);
        for (int p : parameters) {
            assertEquals(0, in(0x64) & 0x02, "input buffer is never full");
            out(0x60, p);
        }
        assertEquals(0x01, in(0x64) & 0x01, "an answer is waiting");
        return in(0x60);
    }

    @Test
    void rebootEqualsKPulsesTheResetLine() {
        // kb_wait() polls bit 1 of the status register before each 0xFE.
        assertEquals(0, in(0x64) & 0x02);
        out(0x64, 0xFE);
        assertEquals(1, resets.get());
    }

    @Test
    void writingOutputPortWithResetBitClearResets() {
        out(0x64, 0xD1);
        out(0x60, 0x03); // reset line high, A20 on: no reset
        assertEquals(0, resets.get());
        assertEquals(0x03, command(0xD0));
        out(0x64, 0xD1);
        out(0x60, 0x02);
        assertEquals(1, resets.get());
    }

    @Test
    void pulseCommandsWithoutTheResetBitDoNotReset() {
        out(0x64, 0xFF); // pulse nothing
        out(0x64, 0xFD);
        assertEquals(0, resets.get());
    }

    @Test
    void driverProbeGetsHealthyAnswers() {
        assertEquals(0, in(0x64) & 0x01, "nothing to flush after power-on");
        assertEquals(0x55, command(0xAA));
        assertEquals(0x00, command(0xAB));
        assertEquals(0x00, command(0xA9));
        int ctr = command(0x20);
        assertEquals(0x64, ctr, "translate, system flag, mouse port disabled");
        out(0x64, 0x60);
        out(0x60, 0x47);
        assertEquals(0x47, command(0x20));
        out(0x64, 0xA7);
        assertEquals(0x20, command(0x20) & 0x20, "AUX disable sets CTR_AUXDIS");
        out(0x64, 0xA8);
        assertEquals(0x00, command(0x20) & 0x20);
        out(0x64, 0xAD);
        assertEquals(0x10, command(0x20) & 0x10);
        out(0x64, 0xAE);
        assertEquals(0x00, command(0x20) & 0x10);
        assertEquals(0, resets.get());
    }

    @Test
    void loopCommandsEchoThroughTheRightPort() {
        assertEquals(0x5A, command(0xD3, 0x5A));
        out(0x64, 0xD3);
        out(0x60, 0xA5);
        assertEquals(0x21, in(0x64) & 0x21, "AUX loop answers as mouse data");
        assertEquals(0xA5, in(0x60));
        assertEquals(0x00, in(0x64) & 0x21, "reading the buffer empties it");
        out(0x64, 0xD2);
        out(0x60, 0x33);
        assertEquals(0x01, in(0x64) & 0x21, "KBD loop answers as keyboard data");
        assertEquals(0x33, in(0x60));
    }

    @Test
    void statusTracksWhetherTheLastWriteWasACommand() {
        out(0x64, 0xAD);
        assertEquals(0x08, in(0x64) & 0x08);
        out(0x60, 0xF4); // a byte for the absent keyboard: dropped
        assertEquals(0x00, in(0x64) & 0x09);
    }

    @Test
    void adjacentPortsAreNotClaimed() {
        byte[] data = new byte[1];
        assertFalse(pio.read(0x61, data), "port 0x61 belongs to the in-kernel PIT speaker");
        assertFalse(pio.read(0x65, data));
    }
}
