package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots real Debian cloud kernels (6.12 and 6.1, 1 and 4 vCPUs) as L2 through the rig and
 * checks the marker the guest prints. The engine inside L1 is {@code -Dkvmunit.rig.engine}
 * ({@code kvmunit} by default, {@code qemu} to prove the rig itself). Runs when the rig is
 * needed and possible; under {@code CI=true} it must run, so missing inputs fail it there.
 * Kernels come from {@code -Dkvmunit.rig.kernels} or else are provisioned like any kernel.
 */
class NestedRigBootTest {
    private static final Duration L2_TIMEOUT = Duration.ofMinutes(4);

    private static RigLauncher rig;
    @TempDir
    static Path scratch;

    @BeforeAll
    static void startRig() {
        rig = RigTests.startOrSkip();
    }

    @AfterAll
    static void stopRig() {
        if (rig != null) {
            rig.close();
            assertFalse(RigTestGate.qemuChildAlive(), "close() must leave no QEMU behind");
        }
    }

    static Stream<Arguments> kernelsAndCpus() {
        return TestKernel.configured().stream().flatMap(k -> Stream.of(Arguments.of(k, 1), Arguments.of(k, 4)));
    }

    @ParameterizedTest(name = "{0} with {1} vCPUs")
    @MethodSource("kernelsAndCpus")
    void kernelBootsToMarkerWithRequestedCpus(TestKernel kernel, int cpus) throws Exception {
        VmSpec spec = new VmSpec(kernel.image(), List.of(MarkerInitramfs.write(scratch)), MarkerInitramfs.CMDLINE,
                cpus, 256, L2_TIMEOUT);
        RigTests.Run run = RigTests.run(rig, spec);
        VmResult result = run.result();
        String text = run.console();
        System.out.printf("rig L2 %s, %d vCPUs: %s in %d ms (L1 %s, READY after %s)%n%s%n", kernel, cpus,
                result.outcome(), result.elapsed().toMillis(), rig.l1Description(), rig.l1BootTime(), text);
        String failure = result.outcome() + ": " + result.detail() + "\nconsole tail:\n"
                + String.join("\n", result.lastConsoleLines());
        assertEquals(VmOutcome.CLEAN_EXIT, result.outcome(), failure);
        MarkerInitramfs.Marker marker = MarkerInitramfs.find(text)
                .orElseThrow(() -> new AssertionError("no marker line in the L2 console; " + failure));
        assertEquals(kernel.release(), marker.release());
        assertEquals(cpus, marker.cpus());
        assertEquals(cpus, marker.onlineCount());
        assertTrue(result.lastConsoleLines().stream().anyMatch(l -> l.contains("KVMUNIT-RIG-MARKER")),
                () -> "the result's console tail misses the marker: " + result.lastConsoleLines());
    }
}
