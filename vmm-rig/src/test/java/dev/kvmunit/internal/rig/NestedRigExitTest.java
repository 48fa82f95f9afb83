package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our engine inside the rig, on the ways a run can end and the shapes a kernel comes in: more
 * CPU counts than the boot matrix, a panic, a hang cut short by the timeout, and an ELF
 * vmlinux booted through its PVH entry.
 */
class NestedRigExitTest {
    private static RigLauncher rig;
    private static TestKernel kernel;
    @TempDir
    static Path scratch;

    @BeforeAll
    static void startRig() {
        rig = RigTests.startOrSkip();
        kernel = TestKernel.configured().stream().filter(k -> k.release().startsWith("6.12")).findFirst()
                .orElseThrow();
    }

    @AfterAll
    static void stopRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {2, 8})
    void madtDescribesExactlyTheRequestedCpus(int cpus) throws IOException {
        RigTests.Run run = RigTests.run(rig, new VmSpec(kernel.image(), List.of(MarkerInitramfs.write(scratch)),
                MarkerInitramfs.CMDLINE, cpus, 256, Duration.ofMinutes(4)));
        MarkerInitramfs.Marker marker = MarkerInitramfs.find(run.console())
                .orElseThrow(() -> new AssertionError("no marker: " + run.result() + "\n" + run.console()));
        assertEquals(VmOutcome.CLEAN_EXIT, run.result().outcome(), run.result().detail());
        assertEquals(cpus, marker.cpus());
        assertEquals(cpus, marker.onlineCount());
    }

    @Test
    void panicEndsTheRunAsPanicWithTheKernelsText() throws IOException {
        // No /init to run and no root device: the kernel panics, and panic=-1 resets at once.
        RigTests.Run run = RigTests.run(rig, new VmSpec(kernel.image(), List.of(MarkerInitramfs.write(scratch)),
                MarkerInitramfs.CMDLINE + " rdinit=/nonexistent", 1, 256, Duration.ofMinutes(4)));
        assertEquals(VmOutcome.PANIC, run.result().outcome(), run.result().detail());
        assertTrue(run.result().detail().contains("Kernel panic - not syncing"), run.result().detail());
    }

    @Test
    void timeoutStopsAHungGuestAndKeepsItsLastConsoleLines() {
        // rootwait on a disk that never appears: the kernel waits forever, printing why.
        RigTests.Run run = RigTests.run(rig, new VmSpec(kernel.image(), List.of(),
                "console=ttyS0 reboot=k panic=-1 root=/dev/vda rootwait", 1, 256, Duration.ofSeconds(40)));
        assertEquals(VmOutcome.TIMEOUT, run.result().outcome(), run.result().detail());
        assertTrue(run.result().lastConsoleLines().stream().anyMatch(l -> l.contains("Waiting for root device")),
                () -> "last lines: " + run.result().lastConsoleLines());
    }

    @Test
    void elfVmlinuxBootsThroughItsPvhEntry() throws Exception {
        Path vmlinux = extractVmlinux(kernel.image(), scratch.resolve("vmlinux"));
        RigTests.Run run = RigTests.run(rig, new VmSpec(vmlinux, List.of(MarkerInitramfs.write(scratch)),
                MarkerInitramfs.CMDLINE, 2, 256, Duration.ofMinutes(4)));
        MarkerInitramfs.Marker marker = MarkerInitramfs.find(run.console())
                .orElseThrow(() -> new AssertionError("no marker: " + run.result() + "\n" + run.console()));
        assertEquals(kernel.release(), marker.release());
        assertEquals(2, marker.cpus());
    }

    /**
     * Debian compresses the kernel inside its bzImage with zstd; the payload's place is in the
     * setup header (payload_offset 0x248, payload_length 0x24c, after the setup sectors), and
     * its last 4 bytes are the decompressed size, which the zstd tool does not want.
     */
    private static Path extractVmlinux(Path bzImage, Path target) throws Exception {
        RigTestGate.requireInstalled(Path.of("/usr/bin/zstd"), "zstd");
        ByteBuffer image = ByteBuffer.wrap(Files.readAllBytes(bzImage)).order(ByteOrder.LITTLE_ENDIAN);
        int setupSectors = image.get(0x1F1) == 0 ? 4 : image.get(0x1F1) & 0xFF;
        int start = (setupSectors + 1) * 512 + image.getInt(0x248);
        int length = image.getInt(0x24C) - 4;
        Path payload = target.resolveSibling("payload.zst");
        Files.write(payload, java.util.Arrays.copyOfRange(image.array(), start, start + length));
        Process zstd = new ProcessBuilder("zstd", "-q", "-d", "-f", payload.toString(), "-o", target.toString())
                .redirectErrorStream(true).start();
        String output = new String(zstd.getInputStream().readAllBytes());
        assertTrue(zstd.waitFor(2, TimeUnit.MINUTES) && zstd.exitValue() == 0, "zstd failed: " + output);
        return target;
    }
}
