package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** What the rig's integration tests share: whether they run here, the L1 they use, a console capture. */
final class RigTests {
    private RigTests() {
    }

    /**
     * A rig with our engine (or {@code -Dkvmunit.rig.engine}) in an L1 running the provisioned
     * 6.12 kernel, where {@link RigTestGate} says the rig runs.
     */
    static RigLauncher startOrSkip() {
        return startOrSkip(List.of());
    }

    /** The same, with more jars or class directories on L1's classpath, for {@link RigLauncher#runJava}. */
    static RigLauncher startOrSkip(List<Path> moreClasspath) {
        RigTestGate.assumeRigRuns();
        List<TestKernel> kernels = TestKernel.configured();
        TestKernel l1 = kernels.stream().filter(k -> k.release().startsWith("6.12")).findFirst()
                .orElseThrow(() -> new AssertionError("L1 needs a 6.12 kernel among " + kernels));
        String engine = System.getProperty("kvmunit.rig.engine", "kvmunit");
        return new RigLauncher(RigConfig.of(l1.image(), l1.modules()).withEngine(engine)
                .withMoreClasspath(moreClasspath));
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
