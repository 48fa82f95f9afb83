package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;

import java.util.List;

/** Failure messages that say what happened to the guest and show the end of its console. */
final class GuestFailures {
    private static final int CONSOLE_LINES_IN_MESSAGE = 30;

    private GuestFailures() {
    }

    /**
     * {@code what} the test was doing and how the guest ended. A panic's headline (the first
     * line of its detail) leads the message: it is what happened, and the kernel's report
     * below it starts with lines printed before the panic, such as the init's stage lines.
     */
    static String describe(String what, VmResult result) {
        if (result == null) {
            return what;
        }
        if (result.outcome() == VmOutcome.PANIC) {
            List<String> detail = result.detail().lines().toList();
            if (detail.size() > 1) {
                return detail.get(0) + "\n" + what + "\nthe guest ended: PANIC; the kernel's report:"
                        + indented(detail.subList(1, detail.size()));
            }
            return result.detail() + "\n" + what + "\nthe guest ended: PANIC";
        }
        return what + "\nthe guest ended: " + result.outcome() + ": " + result.detail();
    }

    static String withConsoleTail(String message, List<String> consoleLines) {
        if (consoleLines.isEmpty()) {
            return message + "\n(the guest console is empty)";
        }
        List<String> tail = consoleLines.subList(Math.max(0, consoleLines.size() - CONSOLE_LINES_IN_MESSAGE),
                consoleLines.size());
        return message + "\nlast guest console lines:" + indented(tail);
    }

    /** Each line on a line of its own, indented under the line before. */
    private static String indented(List<String> lines) {
        return "\n  " + String.join("\n  ", lines);
    }
}
