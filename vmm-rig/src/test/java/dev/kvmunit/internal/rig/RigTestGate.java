package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * When the tests that boot L1 run: where the rig is needed (the host's KVM cannot boot
 * kernels, or {@code -Dkvmunit.rig=true}) and always under {@code CI=true}. They skip elsewhere,
 * and without QEMU, except under {@code CI=true}, where {@link TestEnforcement} fails them.
 */
final class RigTestGate {
    private RigTestGate() {
    }

    static void assumeRigRuns() {
        TestEnforcement enforcement = TestEnforcement.ofProcess();
        boolean wanted = enforcement.enforced() || Boolean.getBoolean("kvmunit.rig")
                || VmLaunchers.localKvmProblem().isPresent();
        enforcement.require(wanted, "the rig is not needed here: this host's KVM boots kernels"
                + " (-Dkvmunit.rig=true runs the rig tests anyway)", TestAbortedException::new);
        requireInstalled(RigConfig.DEFAULT_QEMU, "qemu-system-x86");
    }

    /** Skips the calling test when {@code program} is not installed, or fails it under {@code CI=true}. */
    static void requireInstalled(Path program, String debianPackage) {
        TestEnforcement.ofProcess().require(Files.isExecutable(program), program
                + " is not installed: sudo apt-get install " + debianPackage, TestAbortedException::new);
    }

    /** Whether this JVM still has a QEMU child: none may outlive a closed or failed rig. */
    static boolean qemuChildAlive() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .anyMatch(p -> p.info().command().map(c -> c.endsWith("qemu-system-x86_64")).orElse(false));
    }
}
