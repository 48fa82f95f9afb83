package dev.kvmunit.internal.vmm.launch;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * Bytes from a guest's agent port waiting for the host to read them. The producer (a vCPU
 * thread, or the rig link's reader) must never block, so the inbox is bounded by dropping:
 * past {@link #CAPACITY} unread bytes the channel is declared broken and the reader gets an
 * IOException naming the cause, instead of the JVM growing without bound.
 */
public final class AgentInbox extends InputStream {
    /** Far above what the agent protocol keeps in flight; only a runaway guest reaches it. */
    public static final int CAPACITY = 64 << 20;

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int headOffset;
    private long buffered;
    private boolean ended;
    private String broken;

    /** Appends bytes from the guest; never blocks. */
    public synchronized void deliver(byte[] data) {
        if (ended || broken != null || data.length == 0) {
            return;
        }
        if (buffered + data.length > CAPACITY) {
            broken = "the guest wrote more than " + (CAPACITY >> 20) + " MiB to its agent port that the host"
                    + " did not read";
            chunks.clear();
        } else {
            chunks.addLast(data);
            buffered += data.length;
        }
        notifyAll();
    }

    /** No more bytes will come (the VM exited); readers see end of stream after the rest. */
    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (chunks.isEmpty()) {
            if (broken != null) {
                throw new IOException(broken);
            }
            if (ended) {
                return -1;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the guest agent");
            }
        }
        byte[] head = chunks.peekFirst();
        int n = Math.min(len, head.length - headOffset);
        System.arraycopy(head, headOffset, b, off, n);
        headOffset += n;
        buffered -= n;
        if (headOffset == head.length) {
            chunks.removeFirst();
            headOffset = 0;
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, buffered);
    }
}
