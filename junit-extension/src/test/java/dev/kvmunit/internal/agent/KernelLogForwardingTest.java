package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.ProtocolException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The init forwards the kernel log records a test report needs, and only those. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelLogForwardingTest {

    @Test
    void warningsAndSchedExtMessagesAreForwarded(@TempDir Path tempDir) throws IOException {
        Path log = tempDir.resolve("kmsg");
        Files.writeString(log, String.join("\n",
                "6,1,100,-;Linux version 6.12.0",
                "4,2,1500000,-;WARNING: CPU: 0 PID: 1 at kernel/sched/ext.c:42 scx_ops_enable",
                " SUBSYSTEM=cpu",
                "not a record at all",
                "6,3,1600000,-;sched_ext: BPF scheduler \"simple\" enabled",
                "7,4,1650000,-;debug chatter",
                "0,5,1700000,c;watchdog: BUG: soft lockup - CPU#0 stuck for 22s!",
                ""), StandardCharsets.UTF_8);
        try (HostModeInit init = HostModeInit.start(tempDir, "--kernel-log", log.toString());
             GuestAgent agent = init.agent(Transcript.NONE)) {
            agent.hello();
            // The init reads the log before serving requests that arrive with it, so once a
            // command has completed every record is in.
            agent.exec("true");
            assertEquals(List.of(
                    new KernelLogLine(4, 1_500_000, "WARNING: CPU: 0 PID: 1 at kernel/sched/ext.c:42 scx_ops_enable"),
                    new KernelLogLine(6, 1_600_000, "sched_ext: BPF scheduler \"simple\" enabled"),
                    new KernelLogLine(0, 1_700_000, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!")),
                    agent.kernelLog());
        }
    }

    @Test
    void recordsWithImpossibleLevelsAreRejected() {
        byte[] message = "x".getBytes(StandardCharsets.UTF_8);
        byte[] payload = ByteBuffer.allocate(14).put((byte) 8).putLong(0).putInt(1).put(message).array();
        assertThrows(ProtocolException.class, () -> KernelLogLine.decode(payload));
        assertEquals("[1.000042] <4> w", new KernelLogLine(4, 1_000_042, "w").toString());
    }
}
