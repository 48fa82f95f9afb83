package dev.kvmunit.internal.vmm.launch;

import java.time.Duration;
import java.util.List;

/**
 * The end of one guest run.
 *
 * @param outcome          how it ended
 * @param detail           one human sentence first: the panic headline, the KVM exit data, the timeout;
 *                         a panic's detail goes on with the kernel's report, a line per line
 * @param lastConsoleLines the tail of the guest console, for failure messages
 * @param elapsed          wall-clock time from launch to exit
 */
public record VmResult(VmOutcome outcome, String detail, List<String> lastConsoleLines, Duration elapsed) {
    public VmResult {
        lastConsoleLines = List.copyOf(lastConsoleLines);
    }
}
