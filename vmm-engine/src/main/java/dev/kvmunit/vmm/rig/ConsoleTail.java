package dev.kvmunit.vmm.rig;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Splits a console byte stream into lines and keeps the last few for failure messages, and
 * remembers the first kernel panic line. Thread-safe: fed by a pump thread, read by the
 * thread that builds the result.
 */
final class ConsoleTail {
    private static final String PANIC_MARK = "Kernel panic - not syncing";
    /** A guest that never prints a newline must not grow the pending line without bound. */
    private static final int MAX_LINE_BYTES = 4096;

    private final int capacity;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final StringBuilder pending = new StringBuilder();
    private String panicLine;

    ConsoleTail(int capacity) {
        this.capacity = capacity;
    }

    synchronized void accept(byte[] data, int offset, int length) {
        String text = new String(data, offset, length, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                completeLine();
            } else if (c != '\r') {
                pending.append(c);
                if (pending.length() >= MAX_LINE_BYTES) {
                    completeLine();
                }
            }
        }
    }

    private void completeLine() {
        String line = pending.toString();
        pending.setLength(0);
        if (panicLine == null && line.contains(PANIC_MARK)) {
            panicLine = line.strip();
        }
        lines.addLast(line);
        if (lines.size() > capacity) {
            lines.removeFirst();
        }
    }

    /** The kept lines, including a final line that has no newline yet. */
    synchronized List<String> lastLines() {
        ArrayDeque<String> copy = new ArrayDeque<>(lines);
        if (pending.length() > 0) {
            copy.addLast(pending.toString());
            if (copy.size() > capacity) {
                copy.removeFirst();
            }
        }
        return List.copyOf(copy);
    }

    /** The first "Kernel panic - not syncing" line seen, or {@code null}. */
    synchronized String panicLine() {
        return panicLine;
    }
}
