package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.agent.KernelLogLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what the guest says about a sched_ext scheduler that stopped: the kernel's exit reason
 * and its debug dump. Text only, no I/O. The formats are those of Linux 6.12's
 * kernel/sched/ext.c and of the UEI helpers in tools/sched_ext that schedulers print with.
 */
final class SchedExtReports {
    /** {@code sched_ext: BPF scheduler "qmap" disabled (scx_bpf_error)}, logged when sched_ext drops a scheduler. */
    private static final Pattern DISABLED = Pattern.compile("sched_ext: BPF scheduler \"(.*)\" disabled \\((.*)\\)");
    /** The scheduler's own report of the kernel's exit info: {@code EXIT: scx_bpf_error (test triggering error)}. */
    private static final String EXIT_PREFIX = "EXIT: ";
    /**
     * Where a sched_ext_dump event's text starts in {@code /sys/kernel/tracing/trace}:
     * {@code   init-1  [001] d.H..  18.669195: sched_ext_dump:   scx_bpf_error (...)}.
     */
    private static final String DUMP_EVENT = ": sched_ext_dump:";

    private SchedExtReports() {
    }

    /**
     * Why sched_ext last disabled a scheduler, from the kernel log: the exit reason and, when the
     * kernel logged one, its message, as the UEI helpers print them: {@code scx_bpf_error (test
     * triggering error)}, {@code runnable task stall (sh[116] failed to run for 5.140s)}.
     */
    static Optional<String> kernelReason(List<KernelLogLine> log) {
        for (int i = log.size() - 1; i >= 0; i--) {
            Matcher disabled = DISABLED.matcher(log.get(i).message());
            if (!disabled.matches()) {
                continue;
            }
            String reason = disabled.group(2);
            // For errors the message follows at once as "sched_ext: <ops name>: <message>".
            String messagePrefix = "sched_ext: " + disabled.group(1) + ": ";
            if (i + 1 < log.size() && log.get(i + 1).message().startsWith(messagePrefix)) {
                return Optional.of(reason + " (" + log.get(i + 1).message().substring(messagePrefix.length()) + ")");
            }
            return Optional.of(reason);
        }
        return Optional.empty();
    }

    /** The exit reason the scheduler printed itself, on its last {@code EXIT: } line. */
    static Optional<String> reportedReason(List<String> output) {
        for (int i = output.size() - 1; i >= 0; i--) {
            String line = output.get(i);
            if (line.startsWith(EXIT_PREFIX) && line.length() > EXIT_PREFIX.length()) {
                return Optional.of(line.substring(EXIT_PREFIX.length()).strip());
            }
        }
        return Optional.empty();
    }

    /** The text of every sched_ext_dump event in the trace buffer's text, in order; blank lines kept. */
    static List<String> traceDump(String trace) {
        List<String> dump = new ArrayList<>();
        for (String line : trace.split("\n", -1)) {
            if (line.startsWith("#")) {
                continue;
            }
            int event = line.indexOf(DUMP_EVENT);
            if (event >= 0) {
                String text = line.substring(event + DUMP_EVENT.length());
                dump.add(text.startsWith(" ") ? text.substring(1) : text);
            }
        }
        return dump;
    }
}
