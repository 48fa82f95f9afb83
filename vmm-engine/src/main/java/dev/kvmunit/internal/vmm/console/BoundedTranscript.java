package dev.kvmunit.internal.vmm.console;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Retains at most a fixed number of bytes of a stream: the first half as it came (boot
 * messages, kernel version, command line) and the most recent half in a ring (whatever led
 * up to the end). Bytes in between are counted, not kept. Buffers grow with use, so a quiet
 * VM does not pay for the cap. Not thread-safe; the owner synchronizes.
 */
final class BoundedTranscript {
    private static final int INITIAL_BUFFER = 4096;

    private final int headCapacity;
    private final int tailCapacity;
    private byte[] head = new byte[0];
    private int headSize;
    /** Grows like a list until it reaches {@link #tailCapacity}, then wraps as a ring. */
    private byte[] tail = new byte[0];
    private int tailNext;
    private long tailWritten;

    BoundedTranscript(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("transcript capacity must be at least 2 bytes, not " + capacity);
        }
        headCapacity = capacity / 2;
        tailCapacity = capacity - headCapacity;
    }

    void append(byte[] data, int offset, int length) {
        int toHead = Math.min(length, headCapacity - headSize);
        if (toHead > 0) {
            head = grow(head, headSize + toHead, headCapacity);
            System.arraycopy(data, offset, head, headSize, toHead);
            headSize += toHead;
        }
        for (int i = offset + toHead; i < offset + length; i++) {
            if (tailNext == tail.length && tail.length < tailCapacity) {
                tail = grow(tail, tail.length + 1, tailCapacity);
            }
            tail[tailNext++] = data[i];
            if (tailNext == tailCapacity) {
                tailNext = 0; // full: from now on the oldest byte is overwritten
            }
            tailWritten++;
        }
    }

    private static byte[] grow(byte[] buffer, int needed, int cap) {
        if (needed <= buffer.length) {
            return buffer;
        }
        int size = Math.max(buffer.length, INITIAL_BUFFER);
        while (size < needed) {
            size *= 2;
        }
        return Arrays.copyOf(buffer, Math.min(size, cap));
    }

    /** Bytes seen but no longer retained. */
    long omitted() {
        return Math.max(0, tailWritten - tailCapacity);
    }

    /** The retained text, UTF-8 decoded, with a marker where bytes were omitted. */
    String text() {
        StringBuilder text = new StringBuilder(new String(head, 0, headSize, StandardCharsets.UTF_8));
        long omitted = omitted();
        if (omitted > 0) {
            text.append("\n[kvmunit: console truncated, ").append(omitted).append(" bytes omitted]\n");
        }
        int tailSize = (int) Math.min(tailWritten, tailCapacity);
        byte[] ordered = new byte[tailSize];
        int start = tailWritten > tailCapacity ? tailNext : 0;
        for (int i = 0; i < tailSize; i++) {
            ordered[i] = tail[(start + i) % tail.length];
        }
        return text.append(new String(ordered, StandardCharsets.UTF_8)).toString();
    }
}
