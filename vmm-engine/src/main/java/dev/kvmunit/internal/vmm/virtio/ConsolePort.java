package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One port of a {@link VirtioConsole}, seen from the host: bytes the guest writes go to the
 * {@link ConsolePortListener}; bytes the host sends wait in a bounded queue until the guest
 * can take them (it has posted receive buffers and, for a non-console port, opened the
 * port: Linux throws away data that arrives for a port nobody has open).
 *
 * <p>Backpressure: {@link #offer} refuses data that does not fit the queue, {@link #send}
 * waits for room. Queued data survives a driver reset and is delivered once the new driver
 * is ready.
 */
public final class ConsolePort {
    /** Default bound of host-to-guest data waiting for the guest. */
    public static final int DEFAULT_CAPACITY = 1 << 20;

    private final String name;
    private final boolean console;
    private final ConsolePortListener listener;
    private final int capacity;

    /** Host-to-guest data; guarded by itself, never held while taking the device lock. */
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private int pendingHeadOffset;
    private int pendingBytes;

    /** Set when the port joins a device; the device's lock guards the fields below. */
    private volatile VirtioConsole owner;
    private boolean ready;
    private volatile boolean guestOpen;

    private ConsolePort(String name, boolean console, ConsolePortListener listener, int capacity) {
        this.name = name;
        this.console = console;
        this.listener = Objects.requireNonNull(listener, "listener");
        if (capacity <= 0) {
            throw new IllegalArgumentException("console port capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** The guest's console (hvc0 when it is the first console port), unnamed. */
    public static ConsolePort console(ConsolePortListener listener) {
        return new ConsolePort(null, true, listener, DEFAULT_CAPACITY);
    }

    /**
     * A raw data port the guest finds as {@code /sys/class/virtio-ports/vportXpY/name}
     * (and {@code /dev/virtio-ports/NAME} where udev runs).
     */
    public static ConsolePort named(String name, ConsolePortListener listener, int capacity) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > 127 || !name.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '/')) {
            throw new IllegalArgumentException("console port name must be 1-127 printable ASCII characters"
                    + " without spaces or '/': '" + name + "'");
        }
        return new ConsolePort(name, false, listener, capacity);
    }

    public static ConsolePort named(String name, ConsolePortListener listener) {
        return named(name, listener, DEFAULT_CAPACITY);
    }

    /** The port's name, or null for an unnamed console. */
    public String name() {
        return name;
    }

    public boolean isConsole() {
        return console;
    }

    /** Whether the guest has the port open (always true for a console port once set up). */
    public boolean isGuestOpen() {
        return guestOpen;
    }

    /** Bytes sent but not yet delivered to the guest. */
    public int pendingBytes() {
        synchronized (pending) {
            return pendingBytes;
        }
    }

    /**
     * Queues {@code data} for the guest if it fits in the free capacity; returns false,
     * queueing nothing, if it does not.
     */
    public boolean offer(byte[] data) {
        checkSize(data);
        synchronized (pending) {
            if ((long) pendingBytes + data.length > capacity) {
                return false;
            }
            enqueue(data);
        }
        deliver();
        return true;
    }

    /** Queues {@code data} for the guest, waiting up to {@code timeout} for room in the queue. */
    public void send(byte[] data, Duration timeout) throws InterruptedException, TimeoutException {
        checkSize(data);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pending) {
            while ((long) pendingBytes + data.length > capacity) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException(String.format(
                            "console port %s: guest did not take %d queued bytes within %s", describe(),
                            pendingBytes, timeout));
                }
                TimeUnit.NANOSECONDS.timedWait(pending, left);
            }
            enqueue(data);
        }
        deliver();
    }

    private void checkSize(byte[] data) {
        if (data.length > capacity) {
            throw new IllegalArgumentException(String.format(
                    "console port %s: %d bytes exceed its queue capacity of %d; send them in smaller pieces",
                    describe(), data.length, capacity));
        }
    }

    private void enqueue(byte[] data) {
        if (data.length > 0) {
            pending.addLast(data.clone());
            pendingBytes += data.length;
        }
    }

    private void deliver() {
        VirtioConsole device = owner;
        if (device != null) {
            device.deliverFromHost(this);
        }
    }

    String describe() {
        return name != null ? "'" + name + "'" : "console";
    }

    // ---- device side: called by VirtioConsole with the transport locked ----

    synchronized void bind(VirtioConsole device) {
        if (owner != null) {
            throw new IllegalArgumentException("console port " + describe() + " already belongs to a device");
        }
        owner = device;
    }

    ConsolePortListener listener() {
        return listener;
    }

    boolean hasPending() {
        synchronized (pending) {
            return pendingBytes > 0;
        }
    }

    /** Moves queued bytes into a receive chain; returns how many it took. */
    int drainInto(DescriptorChain chain, GuestMemory memory) {
        synchronized (pending) {
            long room = chain.writableLength();
            int moved = 0;
            while (!pending.isEmpty() && moved < room) {
                byte[] head = pending.peekFirst();
                int n = (int) Math.min(head.length - pendingHeadOffset, room - moved);
                int written = chain.writeWritable(memory, moved, head, pendingHeadOffset, n);
                moved += written;
                pendingHeadOffset += written;
                if (pendingHeadOffset == head.length) {
                    pending.removeFirst();
                    pendingHeadOffset = 0;
                }
            }
            pendingBytes -= moved;
            pending.notifyAll();
            return moved;
        }
    }

    boolean isReady() {
        return ready;
    }

    void setReady(boolean ready) {
        this.ready = ready;
    }

    void setGuestOpen(boolean open) {
        if (guestOpen != open) {
            guestOpen = open;
            listener.guestOpenChanged(open);
        }
    }
}
