package dev.kvmunit.internal.vmm.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spots kernel crash reports in console lines and reports each once, with context.
 *
 * <p>A report starts at a line whose message (after the optional {@code <level>},
 * {@code [timestamp]} and {@code [caller]} prefixes the kernel may print) starts with one
 * of the kernel's own crash phrases, and ends at the kernel's end marker
 * ({@code ---[ end Kernel panic ...} or {@code ---[ end trace ...}), at the next crash, after
 * {@link #MAX_REPORT_LINES} lines, or when the console ends, whichever is first. Anchoring at
 * the start of the message keeps user space from triggering it by merely printing the words
 * in the middle of a line.
 *
 * <p>Not thread-safe on its own: {@link ConsoleRecorder} calls it under its lock. The crash
 * callback runs on the console producer's thread and should be quick.
 */
public final class KernelCrashDetector implements ConsoleListener {
    /** Lines kept from before the headline: what the kernel was doing. */
    public static final int CONTEXT_LINES_BEFORE = 5;
    /** A report never grows past this many lines, so a flood cannot grow memory. */
    public static final int MAX_REPORT_LINES = 80;

    /** {@code <4>}, then any number of {@code [    1.234567]} or {@code [    T1]} groups. */
    private static final Pattern PREFIX = Pattern.compile("^(?:<\\d+>)?(?:\\[[^\\]]*\\]\\s*)*");

    private static final String PANIC = "Kernel panic - not syncing";
    private static final String[] OOPS = {
        "BUG: kernel NULL pointer dereference",
        "BUG: unable to handle",
        "kernel BUG at ",
        "Oops: ",
        "general protection fault",
    };
    private static final String OTHER_BUG = "BUG: ";
    private static final String END_PANIC = "---[ end Kernel panic";
    private static final String END_TRACE = "---[ end trace";

    private final Consumer<KernelCrash> onCrash;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private KernelCrash.Kind collectingKind;
    private String headline;
    private final List<String> collected = new ArrayList<>();

    public KernelCrashDetector(Consumer<KernelCrash> onCrash) {
        this.onCrash = Objects.requireNonNull(onCrash, "onCrash");
    }

    @Override
    public void onLine(String line) {
        String message = message(line);
        KernelCrash.Kind kind = classify(message);
        boolean continuesOops = kind == KernelCrash.Kind.OOPS && collectingKind == KernelCrash.Kind.OOPS
                && message.startsWith("Oops: ");
        if (kind != null && !continuesOops) {
            deliver();
            collectingKind = kind;
            headline = message;
            collected.addAll(recent);
        }
        if (collectingKind != null) {
            collected.add(line);
            boolean endMarker = message.startsWith(END_PANIC) || message.startsWith(END_TRACE);
            if (endMarker || collected.size() >= MAX_REPORT_LINES) {
                deliver();
            }
        }
        remember(line);
    }

    @Override
    public void onEnd() {
        deliver();
    }

    private static String message(String line) {
        Matcher m = PREFIX.matcher(line);
        return m.find() ? line.substring(m.end()) : line;
    }

    private static KernelCrash.Kind classify(String message) {
        if (message.startsWith(PANIC)) {
            return KernelCrash.Kind.PANIC;
        }
        for (String oops : OOPS) {
            if (message.startsWith(oops)) {
                return KernelCrash.Kind.OOPS;
            }
        }
        return message.startsWith(OTHER_BUG) ? KernelCrash.Kind.BUG : null;
    }

    private void remember(String line) {
        if (recent.size() == CONTEXT_LINES_BEFORE) {
            recent.removeFirst();
        }
        recent.addLast(line);
    }

    private void deliver() {
        if (collectingKind == null) {
            return;
        }
        KernelCrash crash = new KernelCrash(collectingKind, headline, collected);
        collectingKind = null;
        headline = null;
        collected.clear();
        onCrash.accept(crash);
    }
}
