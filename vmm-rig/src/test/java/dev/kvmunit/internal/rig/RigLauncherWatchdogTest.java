package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the rig fails: an L1 that cannot boot, and an L1 that stays silent past the deadline. */
class RigLauncherWatchdogTest {
    @TempDir
    Path dir;
    private TestKernel l1;

    @BeforeEach
    void needsRig() {
        RigTestGate.assumeRigRuns();
        l1 = TestKernel.configured().get(0);
    }

    @Test
    void l1ThatCannotBootFailsTheRunWithQemusReasonAndLeavesNoQemu() throws Exception {
        Path notAKernel = Files.write(dir.resolve("vmlinuz-garbage"), new byte[4096]);
        RigConfig config = RigConfig.of(notAKernel, l1.modules()).withEngine("qemu")
                .withTimeouts(Duration.ofMinutes(2), Duration.ofMinutes(1));
        VmSpec spec = new VmSpec(l1.image(), List.of(), "", 1, 64, Duration.ofSeconds(30));

        try (RigLauncher rig = new RigLauncher(config)) {
            VmLaunchException e = assertThrows(VmLaunchException.class, () -> rig.run(spec, VmListener.NONE));

            assertTrue(e.getMessage().contains("L1 did not come up"), e.getMessage());
            assertTrue(e.getMessage().contains(notAKernel.toString()), e.getMessage());
        }
        assertFalse(RigTestGate.qemuChildAlive());
    }

    @Test
    void silentL1IsKilledAndReportedAsTimeout() throws Exception {
        // No margin: L1 cannot answer before the host's deadline, so the watchdog must fire.
        RigConfig config = RigConfig.of(l1.image(), l1.modules()).withEngine("qemu")
                .withTimeouts(Duration.ofMinutes(5), Duration.ofMillis(1));
        VmSpec spec = new VmSpec(l1.image(), List.of(MarkerInitramfs.write(dir)), MarkerInitramfs.CMDLINE, 1, 128,
                Duration.ofSeconds(3));

        try (RigLauncher rig = new RigLauncher(config)) {
            VmResult result = rig.run(spec, VmListener.NONE);

            assertEquals(VmOutcome.TIMEOUT, result.outcome(), result.detail());
            assertTrue(result.detail().contains("silent"), result.detail());
            assertTrue(result.lastConsoleLines().stream().anyMatch(l -> l.contains("kvmunit-rig")),
                    () -> "the result carries L1's console: " + result.lastConsoleLines());
            assertNull(rig.l1Description(), "the hung L1 is discarded");
            assertFalse(RigTestGate.qemuChildAlive(), "the hung L1's QEMU is killed");
        }
    }
}
