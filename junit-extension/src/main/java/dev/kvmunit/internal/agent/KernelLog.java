package dev.kvmunit.internal.agent;

import java.util.ArrayList;
import java.util.List;

/** The forwarded kernel log records, bounded so a guest flooding warnings cannot exhaust the host. */
final class KernelLog {
    static final int MAX_LINES = 10_000;

    private final List<KernelLogLine> lines = new ArrayList<>();

    synchronized void add(KernelLogLine line) {
        if (lines.size() < MAX_LINES) {
            lines.add(line);
        }
    }

    synchronized List<KernelLogLine> lines() {
        return List.copyOf(lines);
    }
}
