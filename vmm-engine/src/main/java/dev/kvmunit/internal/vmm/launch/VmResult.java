package dev.kvmunit.internal.vmm.launch;

import java.time.Duration;
import java.util.List;

/**
 * The end of one guest run.
 *
 * @param outcome          how it ended
 * @param detail           one human sentence: the panic line, the KVM exit data, the timeout
 * @param lastConsoleLines the tail of the guest console, for failure messages
 * @param elapsed          wall-clock time from launch to exit
 */
public record VmResult(VmOutcome outcome, String detail, List<String> lastConsoleLines, Duration elapsed) {
    public VmResult {
        lastConsoleLines = List.copyOf(lastConsoleLines);
    }
}
