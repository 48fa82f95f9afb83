package dev.kvmunit.internal.vmm.console;

import java.util.List;

/**
 * A kernel crash report seen on the console.
 *
 * @param kind     how bad it is
 * @param headline the line that identified it, without timestamp, e.g.
 *                 {@code Kernel panic - not syncing: VFS: Unable to mount root fs}
 * @param lines    a few lines before the headline, the headline, and what followed it up to
 *                 the kernel's end marker (or a bounded number of lines)
 */
public record KernelCrash(Kind kind, String headline, List<String> lines) {
    public enum Kind {
        /** "Kernel panic - not syncing": the kernel has stopped; the VM will not recover. */
        PANIC,
        /** An oops (bad page fault, NULL dereference, kernel BUG at, GPF): a task died in the kernel. */
        OOPS,
        /** Any other "BUG:" report (KASAN, sleeping in atomic context, soft lockup...). */
        BUG
    }

    public KernelCrash {
        lines = List.copyOf(lines);
    }

    /** The report as console text, one line per line. */
    public String text() {
        return String.join("\n", lines);
    }

    /**
     * The headline, then the report: what a {@code VmResult}'s detail carries, so that whoever
     * reads it first reads what happened, not the lines the kernel printed before it.
     */
    public String summary() {
        return headline + "\n" + text();
    }
}
