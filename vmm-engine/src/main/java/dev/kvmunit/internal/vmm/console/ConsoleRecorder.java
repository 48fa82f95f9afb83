package dev.kvmunit.internal.vmm.console;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Records a guest console: the text (bounded, see {@link #text()}), the last lines for
 * failure messages, and a line-by-line feed to {@link ConsoleListener}s such as
 * {@link KernelCrashDetector}. Pass it as the output sink of a UART or virtio console.
 *
 * <p>Lines end at LF, CR LF or a lone CR (the kernel's serial console sends CR LF; a lone CR
 * is how progress output rewinds the line). A line longer than {@link #MAX_LINE_BYTES} is
 * cut there, so a guest that never sends a newline cannot grow memory. Bytes are decoded as
 * UTF-8, malformed sequences become U+FFFD.
 *
 * <p>Thread-safe: several producers may write, and each write is recorded and its lines
 * delivered as a whole, in order. Listeners run on the producer's thread while the recorder
 * is locked, which keeps lines in order; they must be quick and must not block.
 */
public final class ConsoleRecorder implements Consumer<byte[]> {
    /** Retained console bytes by default: first and last 4 MiB. */
    public static final int DEFAULT_RETAINED_BYTES = 8 * 1024 * 1024;
    /** Lines kept for failure messages by default. */
    public static final int DEFAULT_LAST_LINES = 100;
    public static final int MAX_LINE_BYTES = 16 * 1024;

    private final BoundedTranscript transcript;
    private final int lastLineCount;
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();
    private final List<ConsoleListener> listeners = new CopyOnWriteArrayList<>();
    /** The previous byte was a CR, so an LF right after it ends nothing new. */
    private boolean afterCarriageReturn;
    private long totalBytes;
    private boolean ended;

    public ConsoleRecorder() {
        this(DEFAULT_RETAINED_BYTES, DEFAULT_LAST_LINES);
    }

    /**
     * @param retainedBytes how much of the console {@link #text()} keeps (at least 2)
     * @param lastLineCount how many lines {@link #lastLines()} keeps (at least 1)
     */
    public ConsoleRecorder(int retainedBytes, int lastLineCount) {
        if (lastLineCount < 1) {
            throw new IllegalArgumentException("lastLineCount must be at least 1, not " + lastLineCount);
        }
        this.transcript = new BoundedTranscript(retainedBytes);
        this.lastLineCount = lastLineCount;
    }

    public void addListener(ConsoleListener listener) {
        listeners.add(listener);
    }

    /** Records console output; the array may be reused by the caller afterwards. */
    @Override
    public void accept(byte[] data) {
        write(data, 0, data.length);
    }

    public synchronized void write(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") of a " + data.length + "-byte array");
        }
        transcript.append(data, offset, length);
        totalBytes += length;
        if (ended) {
            return; // a straggler from another vCPU: kept in the text, listeners are done
        }
        for (int i = offset; i < offset + length; i++) {
            byte b = data[i];
            boolean lfAfterCr = b == '\n' && afterCarriageReturn;
            afterCarriageReturn = b == '\r';
            if (lfAfterCr) {
                continue;
            }
            if (b == '\n' || b == '\r') {
                completeLine();
            } else {
                partialLine.write(b);
                if (partialLine.size() >= MAX_LINE_BYTES) {
                    completeLine();
                }
            }
        }
    }

    /**
     * The console ended: a trailing partial line is delivered as a line and listeners are
     * told, so a detector can report what it was collecting. Later calls do nothing.
     */
    public synchronized void end() {
        if (ended) {
            return;
        }
        if (partialLine.size() > 0) {
            completeLine();
        }
        ended = true;
        for (ConsoleListener listener : listeners) {
            listener.onEnd();
        }
    }

    private void completeLine() {
        String line = partialLine.toString(StandardCharsets.UTF_8);
        partialLine.reset();
        if (lastLines.size() == lastLineCount) {
            lastLines.removeFirst();
        }
        lastLines.addLast(line);
        for (ConsoleListener listener : listeners) {
            listener.onLine(line);
        }
    }

    /**
     * The console text. When more than the retained size was written, the first and last
     * halves are kept with a "[kvmunit: console truncated, N bytes omitted]" line between.
     */
    public synchronized String text() {
        return transcript.text();
    }

    public synchronized boolean truncated() {
        return transcript.omitted() > 0;
    }

    /** Every byte ever written, retained or not. */
    public synchronized long totalBytes() {
        return totalBytes;
    }

    /** The most recent lines, oldest first, including a line still being written. */
    public synchronized List<String> lastLines() {
        List<String> lines = new ArrayList<>(lastLines);
        if (partialLine.size() > 0) {
            if (lines.size() == lastLineCount) {
                lines.remove(0);
            }
            lines.add(partialLine.toString(StandardCharsets.UTF_8));
        }
        return lines;
    }
}
