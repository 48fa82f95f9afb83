package dev.kvmunit.internal.vmm.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Drives the UART through its port interface the way Linux's 8250 driver does. */
class Serial16550Test {
    private static final int THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final ByteArrayOutputStream transmitted = new ByteArrayOutputStream();
    private final Serial16550 uart = new Serial16550(irq, transmitted::writeBytes);

    private int in(int port) {
        byte[] data = new byte[1];
        uart.read(port, data);
        return data[0] & 0xFF;
    }

    private void out(int port, int value) {
        uart.write(port, new byte[] {(byte) value});
    }

    @Test
    void probeSeesA16550aWithFifoAndScratchRegister() {
        out(SCR, 0xA5);
        assertEquals(0xA5, in(SCR));
        out(FCR, 0x01);
        assertEquals(0xC1, in(IIR), "FIFO enabled, no interrupt pending");
        out(FCR, 0x00);
        assertEquals(0x01, in(IIR), "FIFO bits clear when FIFO disabled");
        // Linux's XScale test writes IER bit 6 and must not read it back.
        out(IER, 0x40);
        assertEquals(0x00, in(IER));
        // With DLAB set (LCR 0xBF, the EFR probe), offset 2 still reads IIR, never 0.
        out(FCR, 0x01);
        out(LCR, 0xBF);
        assertEquals(0xC1, in(IIR));
    }

    @Test
    void divisorLatchIsBehindDlabAndDoesNotDisturbIer() {
        out(IER, 0x05);
        out(LCR, 0x83);
        out(THR, 0x01);
        out(IER, 0x00);
        assertEquals(0x01, in(THR));
        assertEquals(0x00, in(IER));
        out(LCR, 0x03);
        assertEquals(0x05, in(IER));
        assertEquals(0x03, in(LCR));
        assertEquals(0, transmitted.size(), "divisor writes are not transmitted");
    }

    @Test
    void polledConsoleOutputGoesToTheSinkImmediately() {
        out(LCR, 0x03);
        for (byte b : "Linux version 6.12\n".getBytes(StandardCharsets.US_ASCII)) {
            assertEquals(0x60, in(LSR) & 0x60, "THRE and TEMT always set");
            out(THR, b);
        }
        assertEquals("Linux version 6.12\n", transmitted.toString(StandardCharsets.US_ASCII));
        assertFalse(irq.isHigh(), "no interrupts without IER");
    }

    @Test
    void enablingThriRaisesThreAndReadingIirAcknowledgesIt() {
        out(MCR, 0x0B); // DTR | RTS | OUT2
        out(IER, 0x02);
        assertTrue(irq.isHigh());
        assertEquals(0x02, in(IIR) & 0x0F);
        assertFalse(irq.isHigh());
        assertEquals(0x01, in(IIR) & 0x0F, "THRE is acknowledged by the IIR read");
        // Linux's UART_BUG_THRE test: disable and re-enable THRI, expect THRE again.
        out(IER, 0x00);
        out(IER, 0x02);
        assertEquals(0x02, in(IIR) & 0x0F);
        assertEquals(2, irq.risingEdges());
    }

    @Test
    void eachTransmittedByteReArmsThreWithAFreshEdge() {
        out(MCR, 0x08);
        out(IER, 0x02);
        int edges = irq.risingEdges();
        out(THR, 'a');
        out(THR, 'b');
        assertEquals(edges + 2, irq.risingEdges());
        assertTrue(irq.isHigh());
        assertEquals("ab", transmitted.toString(StandardCharsets.US_ASCII));
        out(IER, 0x00); // __stop_tx
        assertFalse(irq.isHigh());
        assertEquals(0x01, in(IIR) & 0x0F);
    }

    @Test
    void interruptLineIsGatedByOut2() {
        out(IER, 0x02);
        assertFalse(irq.isHigh(), "OUT2 low: the UART cannot reach the ISA line");
        assertEquals(0x02, in(IIR) & 0x0F, "but the interrupt is pending inside the UART");
        out(IER, 0x00);
        out(IER, 0x02);
        out(MCR, 0x08);
        assertTrue(irq.isHigh());
    }

    @Test
    void hostInputIsReceivedWithDataReadyAndRxInterrupt() {
        out(MCR, 0x08);
        out(IER, 0x01);
        assertEquals(3, uart.queueInput("ls\n".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(irq.isHigh());
        assertEquals(0x04, in(IIR) & 0x0F);
        StringBuilder received = new StringBuilder();
        while ((in(LSR) & 0x01) != 0) {
            received.append((char) in(THR));
        }
        assertEquals("ls\n", received.toString());
        assertFalse(irq.isHigh());
        assertEquals(0x01, in(IIR) & 0x0F);
        uart.queueInput(new byte[] {'x'});
        assertEquals(2, irq.risingEdges(), "input arriving later is a new edge");
    }

    @Test
    void receiveHasPriorityOverThre() {
        out(MCR, 0x08);
        out(IER, 0x03);
        uart.queueInput(new byte[] {'q'});
        assertEquals(0x04, in(IIR) & 0x0F);
        assertEquals('q', in(THR));
        assertEquals(0x02, in(IIR) & 0x0F, "THRE still pending after RX was drained");
        assertEquals(0x01, in(IIR) & 0x0F);
    }

    @Test
    void fifoResetDropsQueuedInput() {
        uart.queueInput(new byte[] {1, 2, 3});
        out(FCR, 0x03);
        assertEquals(0, in(LSR) & 0x01);
        assertEquals(0, uart.pendingInput());
    }

    @Test
    void hostInputIsBoundedByTheQueueCapacity() {
        byte[] big = new byte[Serial16550.RX_QUEUE_CAPACITY + 10];
        assertEquals(Serial16550.RX_QUEUE_CAPACITY, uart.queueInput(big));
        assertEquals(0, uart.queueInput(new byte[] {1}));
        assertEquals(Serial16550.RX_QUEUE_CAPACITY, uart.pendingInput());
    }

    @Test
    void loopbackReturnsTransmittedBytesAndMirrorsModemLines() {
        out(MCR, 0x10);
        in(MSR); // clear deltas from entering loopback
        out(THR, 0x5A);
        assertEquals(0, transmitted.size(), "loopback does not reach the outside");
        assertEquals(0x01, in(LSR) & 0x01);
        assertEquals(0x5A, in(THR));
        out(MCR, 0x10 | 0x0F); // DTR RTS OUT1 OUT2
        int msr = in(MSR);
        assertEquals(0xF0, msr & 0xF0, "DCD RI DSR CTS follow OUT2 OUT1 DTR RTS");
        assertEquals(0x0B, msr & 0x0F, "DDCD DDSR DCTS set, TERI only on a falling RI");
        out(MCR, 0x10 | 0x0B); // drop OUT1: trailing edge of RI
        assertEquals(0x04, in(MSR) & 0x0F);
        assertEquals(0x00, in(MSR) & 0x0F, "deltas clear on read");
        out(MCR, 0x10 | 0x0A); // Linux's autoconfig loopback test: RTS and OUT2
        assertEquals(0x90, in(MSR) & 0xF0, "CTS and DCD");
        out(MCR, 0x00);
        assertEquals(0xB0, in(MSR) & 0xF0, "outside loopback a modem is connected");
    }

    @Test
    void loopbackOverflowReportsOverrunAsLineStatusInterrupt() {
        out(IER, 0x04);
        out(MCR, 0x10);
        uart.queueInput(new byte[Serial16550.RX_QUEUE_CAPACITY]);
        out(THR, 0x11);
        assertEquals(0x06, in(IIR) & 0x0F);
        assertEquals(0x02, in(LSR) & 0x02);
        assertEquals(0x00, in(LSR) & 0x02, "overrun clears when LSR is read");
        assertFalse(irq.isHigh(), "loopback keeps the ISA line low");
    }

    @Test
    void modemStatusInterruptHasLowestPriority() {
        out(MCR, 0x08);
        out(IER, 0x08);
        out(MCR, 0x18); // loopback: CTS and DSR drop, a modem status change
        assertEquals(0x00, in(IIR) & 0x0F);
        in(MSR);
        assertEquals(0x01, in(IIR) & 0x0F);
    }

    @Test
    void wideAccessTouchesConsecutiveRegisters() {
        out(LCR, 0x80);
        uart.write(0, new byte[] {0x34, 0x12});
        byte[] word = new byte[2];
        uart.read(0, word);
        assertArrayEquals(new byte[] {0x34, 0x12}, word);
        byte[] beyond = new byte[2];
        uart.read(7, beyond);
        assertEquals(0xFF, beyond[1] & 0xFF);
    }
}
