package dev.kvmunit.samples;

import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host program in the guest: Debian's stress-ng (dynamically linked) is found on the host's
 * PATH and shipped with its libraries; the guest runs it by name.
 */
class ProbesTest {
    private static final Pattern CPU_METRICS_ROW = Pattern.compile("metrc: \\[\\d+] cpu +\\d+ ");

    @VmTest(probes = "stress-ng")
    void stressNgRunsInTheGuest(Guest guest) {
        ExecResult result = guest.exec("stress-ng", "--cpu", "1", "--timeout", "2s", "--metrics-brief");

        assertEquals(0, result.exitCode(), result.stderrText());
        String output = result.stdoutText() + result.stderrText();
        // The metrics table has a row per stressor that ran: "metrc: [PID] cpu   760   1.00 ...".
        assertTrue(CPU_METRICS_ROW.matcher(output).find(), output);
        assertTrue(output.contains("successful run completed"), output);
    }
}
