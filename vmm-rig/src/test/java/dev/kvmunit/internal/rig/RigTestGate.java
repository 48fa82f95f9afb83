package dev.kvmunit.internal.rig;


import java.nio.file.Files;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * When the tests that boot L1 run: where the rig is needed (the host's KVM cannot boot
 * kernels, or {@code -Dkvmunit.rig=true}) and QEMU is installed; always under {@code CI=true},
 * where a missing input must fail rather than skip.
 */
final class RigTestGate {
    private RigTestGate() {
    }

    static void assumeRigRuns() {
        boolean ci = "true".equals(System.getenv("CI"));
        boolean needed = Boolean.getBoolean("kvmunit.rig") || VmLaunchers.localKvmProblem().isPresent();
        assumeTrue(ci || needed && Files.isExecutable(RigConfig.DEFAULT_QEMU), "the rig is not needed here (-Dkvmunit.rig=true"
                + " forces it) or qemu-system-x86_64 is missing");
    }

    /** Whether this JVM still has a QEMU child: none may outlive a closed or failed rig. */
    static boolean qemuChildAlive() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .anyMatch(p -> p.info().command().map(c -> c.endsWith("qemu-system-x86_64")).orElse(false));
    }
}
