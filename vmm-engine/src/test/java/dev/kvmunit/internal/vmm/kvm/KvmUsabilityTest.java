package dev.kvmunit.internal.vmm.kvm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvmUsabilityTest {
    @TempDir
    Path sysfs;

    private KvmUsability withModules(String... modules) throws IOException {
        Files.createDirectories(sysfs.resolve("module"));
        for (String module : modules) {
            Files.createDirectories(sysfs.resolve("module").resolve(module));
        }
        return new KvmUsability(sysfs);
    }

    @Test
    void pvmWithoutHardwareKvmCannotBootKernelsAndSaysWhereToGo() throws IOException {
        KvmUsability usability = withModules("kvm", "kvm_pvm");

        Optional<String> problem = usability.kernelBootProblem();

        assertFalse(usability.canBootUnmodifiedKernels());
        assertEquals(Optional.of("/dev/kvm on this host is kvm_pvm, a paravirtual hypervisor that cannot boot"
                + " unmodified Linux kernels: run on a host with hardware virtualization (kvm_intel/kvm_amd),"
                + " or run through the nested rig, see docs/nested-rig.md."), problem);
    }

    @Test
    void hardwareKvmCanBootKernels() throws IOException {
        assertTrue(withModules("kvm", "kvm_intel").canBootUnmodifiedKernels());
        assertTrue(new KvmUsability(sysfs.resolve("amd")).canBootUnmodifiedKernels());
    }

    @Test
    void pvmNextToHardwareKvmIsNotTheOneInCharge() throws IOException {
        assertTrue(withModules("kvm", "kvm_pvm", "kvm_amd").kernelBootProblem().isEmpty());
    }

    @Test
    void aHostWithoutSysfsModulesIsNotFlagged() {
        assertTrue(new KvmUsability(sysfs.resolve("missing")).kernelBootProblem().isEmpty());
    }
}
