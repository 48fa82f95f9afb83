package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.launch.VmResult;

import java.util.List;

/** Failure messages that say what happened to the guest and show the end of its console. */
final class GuestFailures {
    private static final int CONSOLE_LINES_IN_MESSAGE = 30;

    private GuestFailures() {
    }

    static String describe(String what, VmResult result) {
        StringBuilder message = new StringBuilder(what);
        if (result != null) {
            message.append("\nthe guest ended: ").append(result.outcome()).append(": ").append(result.detail());
        }
        return message.toString();
    }

    static String withConsoleTail(String message, List<String> consoleLines) {
        if (consoleLines.isEmpty()) {
            return message + "\n(the guest console is empty)";
        }
        List<String> tail = consoleLines.subList(Math.max(0, consoleLines.size() - CONSOLE_LINES_IN_MESSAGE),
                consoleLines.size());
        return message + "\nlast guest console lines:\n  " + String.join("\n  ", tail);
    }
}
