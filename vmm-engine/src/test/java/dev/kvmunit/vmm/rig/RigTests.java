package dev.kvmunit.vmm.rig;

import dev.kvmunit.vmm.VmLaunchers;
import dev.kvmunit.vmm.launch.VmListener;
import dev.kvmunit.vmm.launch.VmResult;
import dev.kvmunit.vmm.launch.VmSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the rig's integration tests share: whether they run here, the L1 they use, a console capture. */
final class RigTests {
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

    private RigTests() {
    }

    /**
     * A rig with our engine (or {@code -Dkvmunit.rig.engine}) in an L1 running the provisioned
     * 6.12 kernel. Skips where the rig is neither needed nor forced; under {@code CI=true} it
     * never skips, so a CI run without QEMU or kernels fails instead of passing empty.
     */
    static RigLauncher startOrSkip() {
        boolean ci = "true".equals(System.getenv("CI"));
        boolean needed = Boolean.getBoolean("kvmunit.rig") || VmLaunchers.localKvmProblem().isPresent();
        assumeTrue(ci || needed && Files.isExecutable(QEMU), "the rig is not needed here (-Dkvmunit.rig=true"
                + " forces it) or qemu-system-x86_64 is missing");
        List<TestKernel> kernels = TestKernel.configured();
        TestKernel l1 = kernels.stream().filter(k -> k.release().startsWith("6.12")).findFirst()
                .orElseThrow(() -> new AssertionError("L1 needs a 6.12 kernel among " + kernels));
        String engine = System.getProperty("kvmunit.rig.engine", "kvmunit");
        return new RigLauncher(RigConfig.of(l1.image(), l1.modules()).withEngine(engine));
    }

    /** A guest run and everything its console printed. */
    record Run(VmResult result, String console) {
    }

    static Run run(RigLauncher rig, VmSpec spec) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VmResult result = rig.run(spec, new VmListener() {
            @Override
            public void onConsole(byte[] data) {
                synchronized (console) {
                    console.writeBytes(data);
                }
            }
        });
        synchronized (console) {
            return new Run(result, console.toString(StandardCharsets.UTF_8));
        }
    }
}
