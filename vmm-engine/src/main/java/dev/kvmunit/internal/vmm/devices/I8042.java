package dev.kvmunit.internal.vmm.devices;

import java.util.Arrays;
import java.util.Objects;

/**
 * The PC keyboard controller, reduced to what a test VM needs: the guest's way to end the
 * run. With kernel argument {@code reboot=k}, Linux reboots by waiting for the input buffer
 * to drain (status bit 1 at port 0x64) and writing 0xFE ("pulse reset line") to port 0x64;
 * that, or clearing the reset bit through "write output port" (0xD1), calls the reset
 * callback, and the machine stops the VM as a clean guest exit.
 *
 * <p>No keyboard or mouse is attached and the controller raises no interrupts. The FADT we
 * build leaves the IAPC_BOOT_ARCH "8042" flag clear, so Linux's i8042 driver does not probe
 * at all. For kernels told to probe anyway the controller answers the commands the driver
 * sends as a healthy, empty controller would: self test 0x55, interface tests 0x00, the
 * command byte read and written, ports enabled and disabled, loop-back through both ports.
 * Bytes sent to the (absent) keyboard or mouse are dropped.
 *
 * <p>The controller has one byte of output buffer, like the real chip: a new answer
 * replaces an unread one, so no guest sequence can grow host memory.
 *
 * <p>Ports 0x60 and 0x64 are not adjacent, so the controller is two {@link IoDevice}
 * windows sharing one state; {@link #attachTo(IoBus)} registers both.
 */
public final class I8042 {
    public static final int DATA_PORT = 0x60;
    public static final int COMMAND_PORT = 0x64;

    // Status register.
    private static final int STATUS_OBF = 0x01;
    private static final int STATUS_SYSTEM_FLAG = 0x04;
    private static final int STATUS_LAST_WRITE_WAS_COMMAND = 0x08;
    private static final int STATUS_NOT_INHIBITED = 0x10;
    private static final int STATUS_AUX_DATA = 0x20;

    // Controller command byte (internal RAM byte 0).
    private static final int CTR_SYSTEM_FLAG = 0x04;
    private static final int CTR_KBD_DISABLED = 0x10;
    private static final int CTR_AUX_DISABLED = 0x20;
    private static final int CTR_TRANSLATE = 0x40;
    /** As a BIOS leaves it: translation on, system flag set, no interrupts, mouse port off. */
    private static final int CTR_AFTER_POST = CTR_TRANSLATE | CTR_SYSTEM_FLAG | CTR_AUX_DISABLED;

    // Output port: bit 0 is the CPU reset line (active low), bit 1 the A20 gate.
    private static final int OUTPUT_PORT_RESET_HIGH = 0x01;
    private static final int OUTPUT_PORT_A20 = 0x02;

    private static final int CMD_READ_RAM_FIRST = 0x20;
    private static final int CMD_READ_RAM_LAST = 0x3F;
    private static final int CMD_WRITE_RAM_FIRST = 0x60;
    private static final int CMD_WRITE_RAM_LAST = 0x7F;
    private static final int CMD_AUX_DISABLE = 0xA7;
    private static final int CMD_AUX_ENABLE = 0xA8;
    private static final int CMD_AUX_TEST = 0xA9;
    private static final int CMD_SELF_TEST = 0xAA;
    private static final int CMD_KBD_TEST = 0xAB;
    private static final int CMD_KBD_DISABLE = 0xAD;
    private static final int CMD_KBD_ENABLE = 0xAE;
    private static final int CMD_READ_OUTPUT_PORT = 0xD0;
    private static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    private static final int CMD_KBD_LOOP = 0xD2;
    private static final int CMD_AUX_LOOP = 0xD3;
    private static final int CMD_AUX_SEND = 0xD4;
    /** 0xF0-0xFF pulse the output port lines whose bits are clear in the low nibble. */
    private static final int CMD_PULSE_FIRST = 0xF0;

    private static final int SELF_TEST_PASSED = 0x55;
    private static final int INTERFACE_TEST_PASSED = 0x00;

    private final Runnable resetRequested;
    private final byte[] ram = new byte[CMD_READ_RAM_LAST - CMD_READ_RAM_FIRST + 1];
    private final IoDevice dataPort = new Port(true);
    private final IoDevice commandPort = new Port(false);

    private int outputPort = OUTPUT_PORT_RESET_HIGH | OUTPUT_PORT_A20;
    private int status = STATUS_SYSTEM_FLAG | STATUS_NOT_INHIBITED;
    private int outputByte;
    /** The command whose parameter byte the next data-port write supplies, or 0. */
    private int awaitingParameterFor;

    /**
     * @param resetRequested called on the writing vCPU's thread, outside the device lock,
     *                       each time the guest pulses the reset line; it should ask the
     *                       machine to stop, not wait for the stop (the vCPU is still running)
     */
    public I8042(Runnable resetRequested) {
        this.resetRequested = Objects.requireNonNull(resetRequested, "resetRequested");
        ram[0] = (byte) CTR_AFTER_POST;
    }

    /** Port 0x60: output buffer on read, command parameters or device bytes on write. */
    public IoDevice dataPort() {
        return dataPort;
    }

    /** Port 0x64: status on read, controller commands on write. */
    public IoDevice commandPort() {
        return commandPort;
    }

    /** Registers both ports on the port-I/O bus. */
    public void attachTo(IoBus pio) {
        pio.register(DATA_PORT, 1, dataPort);
        pio.register(COMMAND_PORT, 1, commandPort);
    }

    private final class Port implements IoDevice {
        private final boolean data;

        Port(boolean data) {
            this.data = data;
        }

        @Override
        public void read(long offset, byte[] bytes) {
            // Only the first byte belongs to this port; wider reads see an empty bus beyond it.
            Arrays.fill(bytes, (byte) 0xFF);
            bytes[0] = (byte) (data ? readData() : readStatus());
        }

        @Override
        public void write(long offset, byte[] bytes) {
            boolean reset = data ? writeData(bytes[0] & 0xFF) : writeCommand(bytes[0] & 0xFF);
            if (reset) {
                resetRequested.run();
            }
        }
    }

    private synchronized int readStatus() {
        return status;
    }

    private synchronized int readData() {
        status &= ~(STATUS_OBF | STATUS_AUX_DATA);
        return outputByte; // a read of an empty buffer returns the stale byte, as the chip does
    }

    /** Returns true when the write asked for a CPU reset. */
    private synchronized boolean writeCommand(int command) {
        status |= STATUS_LAST_WRITE_WAS_COMMAND;
        awaitingParameterFor = 0;
        if (command >= CMD_READ_RAM_FIRST && command <= CMD_READ_RAM_LAST) {
            respond(ram[command - CMD_READ_RAM_FIRST] & 0xFF, false);
            return false;
        }
        if (command >= CMD_WRITE_RAM_FIRST && command <= CMD_WRITE_RAM_LAST) {
            awaitingParameterFor = command;
            return false;
        }
        if (command >= CMD_PULSE_FIRST) {
            return (command & OUTPUT_PORT_RESET_HIGH) == 0;
        }
        switch (command) {
            case CMD_AUX_DISABLE -> ram[0] |= CTR_AUX_DISABLED;
            case CMD_AUX_ENABLE -> ram[0] &= ~CTR_AUX_DISABLED;
            case CMD_AUX_TEST, CMD_KBD_TEST -> respond(INTERFACE_TEST_PASSED, false);
            case CMD_SELF_TEST -> {
                status |= STATUS_SYSTEM_FLAG;
                respond(SELF_TEST_PASSED, false);
            }
            case CMD_KBD_DISABLE -> ram[0] |= CTR_KBD_DISABLED;
            case CMD_KBD_ENABLE -> ram[0] &= ~CTR_KBD_DISABLED;
            case CMD_READ_OUTPUT_PORT -> respond(outputPort, false);
            case CMD_WRITE_OUTPUT_PORT, CMD_KBD_LOOP, CMD_AUX_LOOP, CMD_AUX_SEND -> awaitingParameterFor = command;
            default -> {
                // Vendor or obsolete command: a real controller ignores what it does not know.
            }
        }
        return false;
    }

    /** Returns true when the write asked for a CPU reset. */
    private synchronized boolean writeData(int value) {
        status &= ~STATUS_LAST_WRITE_WAS_COMMAND;
        int command = awaitingParameterFor;
        awaitingParameterFor = 0;
        if (command >= CMD_WRITE_RAM_FIRST && command <= CMD_WRITE_RAM_LAST) {
            ram[command - CMD_WRITE_RAM_FIRST] = (byte) value;
            if (command == CMD_WRITE_RAM_FIRST) {
                // The system flag in the command byte is what the status register shows.
                status = (status & ~STATUS_SYSTEM_FLAG) | (value & CTR_SYSTEM_FLAG);
            }
            return false;
        }
        switch (command) {
            case CMD_WRITE_OUTPUT_PORT -> {
                outputPort = value;
                return (value & OUTPUT_PORT_RESET_HIGH) == 0;
            }
            case CMD_KBD_LOOP -> respond(value, false);
            case CMD_AUX_LOOP -> respond(value, true);
            default -> {
                // A byte for the keyboard (or, after 0xD4, the mouse): nothing is attached.
            }
        }
        return false;
    }

    private void respond(int value, boolean fromAux) {
        outputByte = value;
        status = (status | STATUS_OBF) & ~STATUS_AUX_DATA;
        if (fromAux) {
            status |= STATUS_AUX_DATA;
        }
    }
}
