package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * virtio-console (device id 3, virtio 1.x section 5.3) with VIRTIO_CONSOLE_F_MULTIPORT: one
 * device, one MMIO window and one interrupt carry every port, e.g. the guest console
 * (hvc0) and a named raw port for the guest agent. One device instead of one per port
 * because Linux only learns a port's name through the multiport control queue anyway, and
 * each extra device would cost a window, a GSI, an ACPI entry and a cmdline fragment.
 *
 * <p>Queues: port 0 receive/transmit are 0 and 1, the control receive/transmit queues
 * 2 and 3, port {@code n > 0} receive/transmit {@code 2n+2} and {@code 2n+3}. Set-up
 * follows Linux's drivers/char/virtio_console.c: the driver sends DEVICE_READY, the device
 * announces each port (PORT_ADD), the driver answers PORT_READY, the device marks the
 * console port (CONSOLE_PORT), names the others (PORT_NAME) and says the host side is open
 * (PORT_OPEN; Linux blocks writes to a port until then). A driver that does not negotiate
 * MULTIPORT gets port 0 alone, as a console.
 */
public final class VirtioConsole implements VirtioDevice {
    public static final int DEVICE_ID = 3;
    /** The name guest-init looks for to find the agent channel among the ports. */
    public static final String AGENT_PORT_NAME = "kvmunit.agent";
    public static final int F_MULTIPORT = 1;

    static final int CONTROL_RX_QUEUE = 2;
    static final int CONTROL_TX_QUEUE = 3;

    static final int DEVICE_READY = 0;
    static final int PORT_ADD = 1;
    static final int PORT_READY = 3;
    static final int CONSOLE_PORT = 4;
    static final int PORT_OPEN = 6;
    static final int PORT_NAME = 7;
    /** struct virtio_console_control: le32 id, le16 event, le16 value. */
    static final int CONTROL_HEADER_SIZE = 8;

    private static final int QUEUE_SIZE = 256;
    /** Linux writes at most 32 KiB per buffer; anything far beyond that is hostile. */
    static final int MAX_TRANSMIT_CHAIN = 1 << 20;
    /** Control messages from the driver are one header; allow slack but not a flood. */
    private static final int MAX_CONTROL_MESSAGE = 4096;
    /** Device-to-driver control messages waiting for buffers; set-up needs ~4 per port. */
    private static final int MAX_PENDING_CONTROL = 64;

    private final List<ConsolePort> ports;
    private final ArrayDeque<byte[]> pendingControl = new ArrayDeque<>();
    /** Set once by the transport's constructor; read by host threads sending data. */
    private volatile VirtioDeviceContext context;
    private boolean multiport;

    public VirtioConsole(List<ConsolePort> ports) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a virtio console needs at least one port");
        }
        this.ports = List.copyOf(ports);
        for (ConsolePort port : this.ports) {
            port.bind(this);
        }
    }

    /**
     * Port 0 is the guest console (hvc0), port 1 the named raw port, normally
     * {@code ConsolePort.named(AGENT_PORT_NAME, ...)}.
     */
    public static VirtioConsole consoleAndAgent(ConsolePort console, ConsolePort agent) {
        if (!console.isConsole() || agent.isConsole()) {
            throw new IllegalArgumentException("expected a console port and a named port, in that order");
        }
        return new VirtioConsole(List.of(console, agent));
    }

    public List<ConsolePort> ports() {
        return ports;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.bit(F_MULTIPORT);
    }

    @Override
    public int queueCount() {
        return 2 * (ports.size() + 1);
    }

    @Override
    public int maxQueueSize() {
        return QUEUE_SIZE;
    }

    @Override
    public void attach(VirtioDeviceContext context) {
        this.context = context;
    }

    /** struct virtio_console_config: le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr. */
    @Override
    public void readConfig(int offset, byte[] data) {
        byte[] config = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0).putShort((short) 0).putInt(ports.size()).putInt(0).array();
        for (int i = 0; i < data.length; i++) {
            long at = (long) offset + i;
            data[i] = at >= 0 && at < config.length ? config[(int) at] : 0;
        }
    }

    @Override
    public void writeConfig(int offset, byte[] data) {
        // Only emerg_wr is writable, and VIRTIO_CONSOLE_F_EMERG_WRITE is not offered.
    }

    @Override
    public void activate(long features) {
        multiport = VirtioFeatures.has(features, F_MULTIPORT);
        if (!multiport) {
            // Without the control queue, port 0 is a console that exists and is open at once.
            ports.get(0).setReady(true);
            deliver(0);
        }
    }

    @Override
    public void queueNotified(int queueIndex) {
        if (queueIndex == CONTROL_RX_QUEUE || queueIndex == CONTROL_TX_QUEUE) {
            if (!multiport) {
                return;
            }
            if (queueIndex == CONTROL_TX_QUEUE) {
                receiveControl();
            }
            flushControl();
            return;
        }
        int port = queueIndex < 2 ? 0 : queueIndex / 2 - 1;
        if (port > 0 && !multiport) {
            return;
        }
        if (queueIndex % 2 == 0) {
            deliver(port);
        } else {
            transmit(port);
        }
    }

    @Override
    public void reset() {
        pendingControl.clear();
        multiport = false;
        for (ConsolePort port : ports) {
            port.setReady(false);
            port.setGuestOpen(false);
        }
    }

    /** Host data arrived for {@code port}: deliver what the guest can take now. */
    void deliverFromHost(ConsolePort port) {
        // Before a transport adopts the device the data simply waits in the port's queue.
        if (context != null) {
            context.runWhileActive(() -> deliver(ports.indexOf(port)));
        }
    }

    private static int receiveQueue(int port) {
        return port == 0 ? 0 : 2 * port + 2;
    }

    private GuestMemory memory() {
        return context.memory();
    }

    /** Guest-to-host data on a port's transmit queue. */
    private void transmit(int index) {
        Virtqueue tx = context.queue(receiveQueue(index) + 1);
        if (tx == null) {
            return;
        }
        ConsolePort port = ports.get(index);
        boolean used = false;
        for (DescriptorChain chain = tx.next(); chain != null; chain = tx.next()) {
            byte[] data = chain.readReadable(memory(), MAX_TRANSMIT_CHAIN);
            tx.addUsed(chain.head(), 0);
            used = true;
            if (data.length > 0) {
                port.listener().received(data);
            }
        }
        if (used) {
            context.usedBuffersAdded(tx);
        }
    }

    /** Host-to-guest data into a port's receive buffers, once the guest can read the port. */
    private void deliver(int index) {
        ConsolePort port = ports.get(index);
        Virtqueue rx = context.queue(receiveQueue(index));
        if (rx == null || !port.isReady() || !(port.isConsole() || port.isGuestOpen() || !multiport)) {
            return;
        }
        boolean used = false;
        while (port.hasPending()) {
            DescriptorChain chain = rx.next();
            if (chain == null) {
                break;
            }
            if (chain.writableLength() == 0) {
                throw VirtioProtocolException.of("queue %d: receive chain at head %d has no device-writable buffer",
                        rx.index(), chain.head());
            }
            rx.addUsed(chain.head(), port.drainInto(chain, memory()));
            used = true;
        }
        if (used) {
            context.usedBuffersAdded(rx);
        }
    }

    private void receiveControl() {
        Virtqueue tx = context.queue(CONTROL_TX_QUEUE);
        boolean used = false;
        for (DescriptorChain chain = tx.next(); chain != null; chain = tx.next()) {
            byte[] message = chain.readReadable(memory(), MAX_CONTROL_MESSAGE);
            tx.addUsed(chain.head(), 0);
            used = true;
            if (message.length < CONTROL_HEADER_SIZE) {
                throw VirtioProtocolException.of("control message of %d bytes, shorter than its %d-byte header",
                        message.length, CONTROL_HEADER_SIZE);
            }
            ByteBuffer header = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            handleControl(Integer.toUnsignedLong(header.getInt()), Short.toUnsignedInt(header.getShort()),
                    Short.toUnsignedInt(header.getShort()));
        }
        if (used) {
            context.usedBuffersAdded(tx);
        }
    }

    private void handleControl(long id, int event, int value) {
        if (event == DEVICE_READY) {
            if (value != 1) {
                throw VirtioProtocolException.of("the guest's console driver failed to initialise (DEVICE_READY %d)",
                        value);
            }
            for (int i = 0; i < ports.size(); i++) {
                sendControl(i, PORT_ADD, 1, null);
            }
            return;
        }
        if (event != PORT_READY && event != PORT_OPEN) {
            throw VirtioProtocolException.of("unexpected console control event %d from the driver", event);
        }
        if (id >= ports.size()) {
            throw VirtioProtocolException.of("console control event %d for port %d, device has %d ports",
                    event, id, ports.size());
        }
        int index = (int) id;
        ConsolePort port = ports.get(index);
        if (event == PORT_READY) {
            // value 0: the guest could not set the port up; it stays unusable.
            port.setReady(value == 1);
            if (value == 1) {
                if (port.isConsole()) {
                    sendControl(index, CONSOLE_PORT, 1, null);
                }
                if (port.name() != null) {
                    // NUL-terminated like QEMU's; Linux copies up to the NUL or the buffer end.
                    sendControl(index, PORT_NAME, 1, (port.name() + '\0').getBytes(StandardCharsets.US_ASCII));
                }
                sendControl(index, PORT_OPEN, 1, null);
            }
        } else {
            port.setGuestOpen(value == 1);
        }
        deliver(index);
    }

    private void sendControl(int id, int event, int value, byte[] payload) {
        if (pendingControl.size() >= MAX_PENDING_CONTROL) {
            throw VirtioProtocolException.of(
                    "driver left %d console control messages unread; it is not posting control receive buffers",
                    pendingControl.size());
        }
        int length = CONTROL_HEADER_SIZE + (payload == null ? 0 : payload.length);
        ByteBuffer message = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(id).putShort((short) event).putShort((short) value);
        if (payload != null) {
            message.put(payload);
        }
        pendingControl.addLast(message.array());
    }

    /** Device-to-driver control messages into the control receive queue, as buffers allow. */
    private void flushControl() {
        Virtqueue rx = context.queue(CONTROL_RX_QUEUE);
        if (rx == null) {
            return;
        }
        boolean used = false;
        while (!pendingControl.isEmpty()) {
            DescriptorChain chain = rx.next();
            if (chain == null) {
                break;
            }
            byte[] message = pendingControl.removeFirst();
            if (chain.writableLength() < message.length) {
                throw VirtioProtocolException.of(
                        "control receive chain at head %d holds %d bytes, a control message needs %d",
                        chain.head(), chain.writableLength(), message.length);
            }
            rx.addUsed(chain.head(), chain.writeWritable(memory(), 0, message, 0, message.length));
            used = true;
        }
        if (used) {
            context.usedBuffersAdded(rx);
        }
    }
}
