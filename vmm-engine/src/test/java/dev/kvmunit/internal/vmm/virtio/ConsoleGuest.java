package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A guest-side virtio-console driver in the shape of Linux's drivers/char/virtio_console.c,
 * enough to drive the device through set-up and traffic: it fills receive queues with
 * buffers, sends DEVICE_READY, answers PORT_ADD with PORT_READY, records what the device
 * says about each port, writes to transmit queues and reads receive queues.
 */
final class ConsoleGuest {
    record Control(long id, int event, int value, String name) {
    }

    static final int QUEUE_SIZE = 64;
    static final int RX_BUFFER = 256;

    final MmioDriver driver;
    final GuestMemory memory;
    final int portCount;
    final Map<Integer, DriverQueue> queues = new HashMap<>();
    /** The guest buffer behind each posted receive descriptor head, per queue. */
    private final Map<Integer, Map<Integer, Long>> rxBuffers = new HashMap<>();
    final List<Control> controlReceived = new ArrayList<>();
    final Map<Integer, ByteArrayOutputStream> portInput = new HashMap<>();

    ConsoleGuest(MmioDriver driver, int portCount) {
        this.driver = driver;
        this.memory = driver.memory;
        this.portCount = portCount;
    }

    static int rxQueue(int port) {
        return port == 0 ? 0 : 2 * port + 2;
    }

    static int txQueue(int port) {
        return rxQueue(port) + 1;
    }

    /** Negotiates {@code features}, sets up every queue and fills receive queues; DRIVER_OK. */
    void start(long features, int rxBuffersPerQueue) {
        if (!driver.negotiate(features)) {
            throw new AssertionError("device refused features 0x" + Long.toHexString(features));
        }
        int queueCount = (features & VirtioFeatures.bit(VirtioConsole.F_MULTIPORT)) != 0 ? 2 * (portCount + 1) : 2;
        for (int q = 0; q < queueCount; q++) {
            queues.put(q, driver.setUpQueue(q, QUEUE_SIZE));
            if (q % 2 == 0) {
                for (int i = 0; i < rxBuffersPerQueue; i++) {
                    postRx(q, RX_BUFFER);
                }
            }
        }
        driver.driverOk();
    }

    /** The Linux multiport handshake, up to every port being announced, named and opened by the host. */
    void startMultiport(long extraFeatures) {
        start(MmioDriver.VERSION_1 | VirtioFeatures.bit(VirtioConsole.F_MULTIPORT) | extraFeatures, 8);
        sendControl(0xFFFF_FFFFL, VirtioConsole.DEVICE_READY, 1);
        for (Control c : pollControl()) {
            if (c.event() == VirtioConsole.PORT_ADD) {
                sendControl(c.id(), VirtioConsole.PORT_READY, 1);
            }
        }
        pollControl();
    }

    void postRx(int queue, int length) {
        postRx(queue, driver.allocate(length, 8), length);
    }

    void postRx(int queue, long buffer, int length) {
        int head = queues.get(queue).add(new DriverQueue.Segment(buffer, length, true));
        rxBuffers.computeIfAbsent(queue, q -> new HashMap<>()).put(head, buffer);
        driver.kick(queue);
    }

    void sendControl(long id, int event, int value) {
        byte[] message = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) id).putShort((short) event).putShort((short) value).array();
        transmit(VirtioConsole.CONTROL_TX_QUEUE, message);
    }

    /** Writes {@code data} into one readable buffer on {@code queue} and kicks. */
    void transmit(int queue, byte[] data) {
        long buffer = driver.allocate(Math.max(1, data.length), 8);
        memory.write(buffer, data);
        queues.get(queue).add(new DriverQueue.Segment(buffer, data.length, false));
        driver.kick(queue);
        queues.get(queue).takeUsed();
    }

    void write(int port, String text) {
        transmit(txQueue(port), text.getBytes(StandardCharsets.UTF_8));
    }

    /** Control messages the device has put in the control receive queue since the last poll. */
    List<Control> pollControl() {
        List<Control> out = new ArrayList<>();
        for (byte[] message : takeReceived(VirtioConsole.CONTROL_RX_QUEUE)) {
            ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            long id = Integer.toUnsignedLong(b.getInt());
            int event = Short.toUnsignedInt(b.getShort());
            int value = Short.toUnsignedInt(b.getShort());
            String name = event == VirtioConsole.PORT_NAME ? cString(message, 8) : null;
            out.add(new Control(id, event, value, name));
        }
        controlReceived.addAll(out);
        return out;
    }

    /** The string at {@code offset}, up to a NUL or the end, as Linux's strscpy reads PORT_NAME. */
    private static String cString(byte[] bytes, int offset) {
        int end = offset;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.US_ASCII);
    }

    /** Everything the device delivered to {@code port} so far, as text. */
    String read(int port) {
        return new String(readBytes(port), StandardCharsets.UTF_8);
    }

    /** Everything the device delivered to {@code port} so far. */
    byte[] readBytes(int port) {
        ByteArrayOutputStream input = portInput.computeIfAbsent(port, p -> new ByteArrayOutputStream());
        for (byte[] chunk : takeReceived(rxQueue(port))) {
            input.writeBytes(chunk);
        }
        return input.toByteArray();
    }

    /** Used receive buffers' contents, each buffer reposted as Linux does. */
    private List<byte[]> takeReceived(int queue) {
        List<byte[]> out = new ArrayList<>();
        for (DriverQueue.Used used : queues.get(queue).takeUsed()) {
            Long buffer = rxBuffers.get(queue).remove(used.head());
            if (buffer == null) {
                throw new AssertionError("device used descriptor " + used.head() + " the guest never posted on queue " + queue);
            }
            if (used.length() > RX_BUFFER) {
                throw new AssertionError("device claims " + used.length() + " bytes in a " + RX_BUFFER + "-byte buffer");
            }
            out.add(memory.read(buffer, used.length()));
            postRx(queue, buffer, RX_BUFFER);
        }
        return out;
    }
}
