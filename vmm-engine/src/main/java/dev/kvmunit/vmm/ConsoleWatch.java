package dev.kvmunit.vmm;

import dev.kvmunit.vmm.launch.VmListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * Watches one guest's console for a launcher: forwards bytes to the listener, keeps the last
 * lines for failure messages and remembers the kernel's panic line.
 */
final class ConsoleWatch {
    private static final int KEPT_LINES = 40;
    private static final String PANIC_MARKER = "Kernel panic - not syncing";

    private final VmListener listener;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();
    private String panic;

    ConsoleWatch(VmListener listener) {
        this.listener = listener;
    }

    synchronized void accept(byte[] data) {
        listener.onConsole(data);
        for (char c : new String(data, StandardCharsets.ISO_8859_1).toCharArray()) {
            if (c == '\n') {
                endLine();
            } else if (c != '\r' && partial.length() < 4096) {
                partial.append(c);
            }
        }
    }

    private void endLine() {
        String line = partial.toString();
        partial.setLength(0);
        if (panic == null && line.contains(PANIC_MARKER)) {
            panic = line.substring(line.indexOf(PANIC_MARKER));
        }
        lines.addLast(line);
        if (lines.size() > KEPT_LINES) {
            lines.removeFirst();
        }
    }

    synchronized Optional<String> panic() {
        return Optional.ofNullable(panic);
    }

    synchronized List<String> lastLines() {
        List<String> out = new java.util.ArrayList<>(lines);
        if (partial.length() > 0) {
            out.add(partial.toString());
        }
        return out;
    }
}
