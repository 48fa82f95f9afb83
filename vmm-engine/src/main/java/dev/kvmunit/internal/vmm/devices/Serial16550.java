package dev.kvmunit.internal.vmm.devices;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A 16550A UART as Linux's 8250 driver sees it on COM1 ({@link #COM1_PORT}, ISA IRQ
 * {@link #COM1_IRQ}): the kernel console, early boot messages and panics come out here.
 *
 * <p>Transmission is immediate: every byte written to THR goes straight to the output sink,
 * so LSR always reports THRE and TEMT and the THRE interrupt re-arms after each write.
 * Received bytes come from {@link #queueInput(byte[])} (host input) or, in loopback mode,
 * from the guest's own transmissions.
 *
 * <p><b>Interrupt line.</b> The device drives its {@link IrqLine} as a level that follows
 * "an enabled interrupt is pending", gated by MCR.OUT2 as on a PC (where OUT2 connects the
 * UART's INTR pin to the ISA bus) and held low in loopback mode (the datasheet forces the
 * OUT pins inactive there). The ISA line itself is edge-triggered (PIC and IOAPIC pin 4,
 * active high, edge, the ISA default when no MADT override says otherwise), so a new
 * interrupt needs a low-to-high transition: the device lowers the line whenever the last
 * pending cause is cleared and raises it again when a new one appears, exactly like a real
 * UART does, and Linux's 8250 handler, which loops until IIR reports "no interrupt", never
 * misses one. Driving the true level rather than pulsing also stays correct if the guest
 * programs the pin level-triggered (a hardware-reduced ACPI kernel configures ISA pins
 * itself): the IOAPIC then re-delivers after EOI for as long as the cause is pending.
 *
 * <p>Thread-safety: all entry points are synchronized on the device, the same monitor
 * {@link IoBus} holds during guest accesses, so host input may be queued from any thread.
 * The output sink and the IRQ line are called with that monitor held; they must not call
 * back into this device.
 */
public final class Serial16550 implements IoDevice {
    public static final int COM1_PORT = 0x3F8;
    public static final int COM1_IRQ = 4;
    /** Eight byte-wide registers. */
    public static final int PORT_COUNT = 8;
    /**
     * Bytes of host input buffered for the guest. Far more than the 16-byte FIFO of the real
     * chip, so host input is not dropped while the guest is busy; bounded so that a guest
     * that never reads (or loops back forever) cannot grow host memory.
     */
    public static final int RX_QUEUE_CAPACITY = 64 * 1024;

    // Register offsets.
    private static final int RBR_THR_DLL = 0;
    private static final int IER_DLM = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    // IER bits; the upper four are reserved and read as zero (Linux's XScale probe relies on it).
    private static final int IER_RDI = 0x01;
    private static final int IER_THRI = 0x02;
    private static final int IER_RLSI = 0x04;
    private static final int IER_MSI = 0x08;
    private static final int IER_MASK = 0x0F;

    // IIR values, highest priority first.
    private static final int IIR_NO_INT = 0x01;
    private static final int IIR_RLSI = 0x06;
    private static final int IIR_RDI = 0x04;
    private static final int IIR_THRI = 0x02;
    private static final int IIR_MSI = 0x00;
    private static final int IIR_FIFO_ENABLED = 0xC0;

    private static final int FCR_ENABLE_FIFO = 0x01;
    private static final int FCR_CLEAR_RCVR = 0x02;

    private static final int LCR_DLAB = 0x80;

    private static final int MCR_DTR = 0x01;
    private static final int MCR_RTS = 0x02;
    private static final int MCR_OUT1 = 0x04;
    private static final int MCR_OUT2 = 0x08;
    private static final int MCR_LOOP = 0x10;
    private static final int MCR_MASK = 0x1F;

    private static final int LSR_DR = 0x01;
    private static final int LSR_OE = 0x02;
    private static final int LSR_THRE = 0x20;
    private static final int LSR_TEMT = 0x40;

    private static final int MSR_DCTS = 0x01;
    private static final int MSR_DDSR = 0x02;
    private static final int MSR_TERI = 0x04;
    private static final int MSR_DDCD = 0x08;
    private static final int MSR_DELTA_MASK = 0x0F;
    private static final int MSR_CTS = 0x10;
    private static final int MSR_DSR = 0x20;
    private static final int MSR_RI = 0x40;
    private static final int MSR_DCD = 0x80;
    /** Outside loopback a modem is "connected": carrier, data set ready, clear to send. */
    private static final int MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

    /** Divisor latch after reset: 12 = 9600 baud from the 1.8432 MHz clock, as a BIOS leaves it. */
    private static final int RESET_DIVISOR = 12;

    private final IrqLine irq;
    private final Consumer<byte[]> output;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>();

    private int divisor = RESET_DIVISOR;
    private int ier;
    private int fcr;
    private int lcr;
    private int mcr;
    private int msr = MSR_CONNECTED;
    private int scr;
    private boolean overrun;
    /** THRE interrupt pending: set when THR empties with THRI enabled, cleared by IIR read or THR write. */
    private boolean threPending;
    private boolean lineHigh;

    /**
     * @param irq    the ISA interrupt line (IRQ 4 for COM1)
     * @param output receives every byte the guest transmits, one array per byte written
     */
    public Serial16550(IrqLine irq, Consumer<byte[]> output) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.output = Objects.requireNonNull(output, "output");
    }

    /**
     * Queues host input for the guest to read from RBR. Returns how many bytes were
     * accepted: fewer than {@code data.length} when the receive queue is full.
     */
    public synchronized int queueInput(byte[] data) {
        int accepted = 0;
        for (byte b : data) {
            if (rx.size() >= RX_QUEUE_CAPACITY) {
                break;
            }
            rx.add(b);
            accepted++;
        }
        updateLine();
        return accepted;
    }

    /** Bytes queued for the guest and not yet read. */
    public synchronized int pendingInput() {
        return rx.size();
    }

    /** Wider accesses are split into byte accesses to consecutive registers, as the ISA bus does. */
    @Override
    public synchronized void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) readRegister(offset + i);
        }
        updateLine();
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            writeRegister(offset + i, data[i] & 0xFF);
        }
        updateLine();
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    private int readRegister(long offset) {
        switch ((int) offset) {
            case RBR_THR_DLL:
                if (dlab()) {
                    return divisor & 0xFF;
                }
                Byte b = rx.poll();
                return b == null ? 0 : b & 0xFF;
            case IER_DLM:
                return dlab() ? divisor >>> 8 : ier;
            case IIR_FCR:
                return readIir();
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR:
                int lsr = LSR_THRE | LSR_TEMT | (rx.isEmpty() ? 0 : LSR_DR) | (overrun ? LSR_OE : 0);
                overrun = false; // error bits clear on read
                return lsr;
            case MSR:
                int value = msr;
                msr &= ~MSR_DELTA_MASK;
                return value;
            case SCR:
                return scr;
            default:
                return 0xFF; // past the eight registers: nothing drives the bus
        }
    }

    private int readIir() {
        int fifoBits = (fcr & FCR_ENABLE_FIFO) != 0 ? IIR_FIFO_ENABLED : 0;
        int id = highestPendingInterrupt();
        if (id == IIR_THRI) {
            // Reading IIR while THRE is the reported source acknowledges it (16550 datasheet).
            threPending = false;
        }
        return fifoBits | id;
    }

    /** The IIR interrupt id of the highest-priority enabled pending cause, or {@link #IIR_NO_INT}. */
    private int highestPendingInterrupt() {
        if ((ier & IER_RLSI) != 0 && overrun) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && !rx.isEmpty()) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && threPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && (msr & MSR_DELTA_MASK) != 0) {
            return IIR_MSI;
        }
        return IIR_NO_INT;
    }

    private void writeRegister(long offset, int value) {
        switch ((int) offset) {
            case RBR_THR_DLL:
                if (dlab()) {
                    divisor = (divisor & 0xFF00) | value;
                } else {
                    transmit(value);
                }
                break;
            case IER_DLM:
                if (dlab()) {
                    divisor = (divisor & 0x00FF) | (value << 8);
                } else {
                    writeIer(value);
                }
                break;
            case IIR_FCR:
                fcr = value;
                if ((value & FCR_CLEAR_RCVR) != 0) {
                    rx.clear();
                }
                break;
            case LCR:
                lcr = value;
                break;
            case MCR:
                writeMcr(value & MCR_MASK);
                break;
            case SCR:
                scr = value;
                break;
            default:
                break; // LSR and MSR are read-only; writes there are factory-test only
        }
    }

    private void transmit(int value) {
        if (loopback()) {
            if (rx.size() >= RX_QUEUE_CAPACITY) {
                overrun = true;
            } else {
                rx.add((byte) value);
            }
        } else {
            output.accept(new byte[] {(byte) value});
        }
        // The write clears THRE and the immediate transmission sets it again. Lower the line
        // first so the re-armed THRE interrupt is a fresh edge for the edge-triggered ISA line.
        threPending = false;
        updateLine();
        threPending = (ier & IER_THRI) != 0;
    }

    private void writeIer(int value) {
        int old = ier;
        ier = value & IER_MASK;
        // Enabling THRI while THR is empty (always, here) raises THRE at once; Linux's startup
        // test (UART_BUG_THRE) toggles THRI and expects exactly this on each rising edge.
        if ((ier & IER_THRI) != 0 && (old & IER_THRI) == 0) {
            threPending = true;
        } else if ((ier & IER_THRI) == 0) {
            threPending = false;
        }
    }

    private void writeMcr(int value) {
        mcr = value;
        int inputs;
        if (loopback()) {
            // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
            inputs = ((value & MCR_DTR) != 0 ? MSR_DSR : 0)
                    | ((value & MCR_RTS) != 0 ? MSR_CTS : 0)
                    | ((value & MCR_OUT1) != 0 ? MSR_RI : 0)
                    | ((value & MCR_OUT2) != 0 ? MSR_DCD : 0);
        } else {
            inputs = MSR_CONNECTED;
        }
        setModemInputs(inputs);
    }

    private void setModemInputs(int inputs) {
        int old = msr & ~MSR_DELTA_MASK;
        int delta = 0;
        if (((old ^ inputs) & MSR_CTS) != 0) {
            delta |= MSR_DCTS;
        }
        if (((old ^ inputs) & MSR_DSR) != 0) {
            delta |= MSR_DDSR;
        }
        if ((old & MSR_RI) != 0 && (inputs & MSR_RI) == 0) {
            delta |= MSR_TERI; // trailing edge of ring indicator only
        }
        if (((old ^ inputs) & MSR_DCD) != 0) {
            delta |= MSR_DDCD;
        }
        msr = inputs | (msr & MSR_DELTA_MASK) | delta;
    }

    private void updateLine() {
        boolean high = (mcr & MCR_OUT2) != 0 && !loopback() && highestPendingInterrupt() != IIR_NO_INT;
        if (high != lineHigh) {
            lineHigh = high;
            irq.setLevel(high);
        }
    }
}
