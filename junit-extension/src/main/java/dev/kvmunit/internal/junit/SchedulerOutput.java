package dev.kvmunit.internal.junit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What a scheduler printed, kept for failure messages: the last lines, and apart from them the
 * debug dump the UEI helpers of tools/sched_ext print when the kernel drops the scheduler
 * ({@code DEBUG DUMP}, a rule, the dump, a rule), which would otherwise push everything else
 * out. Bounded both ways, since a scheduler may print forever. Thread-safe: lines arrive on the
 * agent's reader thread.
 */
final class SchedulerOutput {
    static final String DUMP_TITLE = "DEBUG DUMP";
    private static final int LINES_KEPT = 30;
    private static final int DUMP_LINES_KEPT = 20_000;

    private final Deque<String> tail = new ArrayDeque<>();
    private final List<String> dump = new ArrayList<>();
    /** 0 outside a dump, 1 after its title, 2 after its opening rule, until the closing one. */
    private int dumpRules;

    synchronized void add(String line) {
        if (dumpRules == 0 && line.equals(DUMP_TITLE)) {
            dumpRules = 1;
            dump.clear();
            return;
        }
        if (dumpRules > 0) {
            if (isRule(line)) {
                dumpRules = dumpRules == 1 ? 2 : 0;
                if (dumpRules == 0) {
                    keep("(" + DUMP_TITLE + " of " + dump.size() + " lines, attached to the test as "
                            + GuestScheduler.DUMP_ATTACHMENT + ")");
                }
            } else if (dumpRules == 2 && dump.size() < DUMP_LINES_KEPT) {
                dump.add(line);
            }
            return;
        }
        keep(line);
    }

    private void keep(String line) {
        if (tail.size() == LINES_KEPT) {
            tail.removeFirst();
        }
        tail.addLast(line);
    }

    private static boolean isRule(String line) {
        return line.length() >= 20 && line.chars().allMatch(c -> c == '=');
    }

    /** The last lines, a folded dump as one line. */
    synchronized List<String> tail() {
        return List.copyOf(tail);
    }

    /** The lines of the last debug dump the scheduler printed, empty when it printed none. */
    synchronized List<String> dump() {
        return List.copyOf(dump);
    }
}
