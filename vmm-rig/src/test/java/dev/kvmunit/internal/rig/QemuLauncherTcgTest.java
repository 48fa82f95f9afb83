package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QemuLauncher on this host with TCG: the launcher and the marker init, without the rig. */
class QemuLauncherTcgTest {
    @Test
    void bootsKernelToMarkerAndReportsCleanExit(@TempDir Path dir) throws Exception {
        // Same inputs and the same hosts as the rig tests: QemuLauncher exists for the rig.
        RigTestGate.assumeRigRuns();
        TestKernel kernel = TestKernel.configured().get(0);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VmListener listener = new VmListener() {
            @Override
            public void onConsole(byte[] data) {
                synchronized (console) {
                    console.writeBytes(data);
                }
            }
        };
        VmSpec spec = new VmSpec(kernel.image(), List.of(MarkerInitramfs.write(dir)), MarkerInitramfs.CMDLINE, 2,
                256, Duration.ofMinutes(2));

        VmResult result = new QemuLauncher(RigConfig.DEFAULT_QEMU, QemuLauncher.Machine.MICROVM,
                QemuLauncher.Accelerator.TCG).run(spec, listener);

        String text;
        synchronized (console) {
            text = console.toString(StandardCharsets.UTF_8);
        }
        assertEquals(VmOutcome.CLEAN_EXIT, result.outcome(), () -> result.detail() + "\n" + text);
        MarkerInitramfs.Marker marker = MarkerInitramfs.find(text).orElseThrow(() -> new AssertionError(text));
        assertEquals(kernel.release(), marker.release());
        assertEquals(2, marker.cpus());
        assertEquals(2, marker.onlineCount());
        assertTrue(result.lastConsoleLines().stream().anyMatch(l -> l.contains("KVMUNIT-RIG-MARKER")));
    }
}
