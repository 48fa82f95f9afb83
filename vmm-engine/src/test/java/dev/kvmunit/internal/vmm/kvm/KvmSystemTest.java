package dev.kvmunit.internal.vmm.kvm;

import dev.kvmunit.internal.vmm.cpu.CpuidEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvmSystemTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDeviceSaysThereIsNoKvmAndHowToGetIt() {
        Path device = dir.resolve("kvm");

        KvmUnavailableException e = assertThrows(KvmUnavailableException.class, () -> KvmSystem.open(device));

        assertTrue(e.getMessage().startsWith(device + " does not exist: this host has no KVM"), e.getMessage());
        assertTrue(e.getMessage().contains("load kvm_intel or kvm_amd"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAKvmDeviceIsRejectedByName() throws IOException {
        Path device = Files.writeString(dir.resolve("not-kvm"), "");

        KvmUnavailableException e = assertThrows(KvmUnavailableException.class, () -> KvmSystem.open(device));

        assertTrue(e.getMessage().startsWith(device + " is not a KVM device"), e.getMessage());
    }

    @Test
    @RequiresKvm
    void theHostKvmOffersEverythingTheEngineNeeds() {
        try (KvmSystem kvm = KvmSystem.open()) {
            for (KvmCapability cap : KvmCapability.values()) {
                assertTrue(kvm.checkExtension(cap.number()) > 0, cap.headerName());
            }
            assertTrue(kvm.vcpuMmapSize() >= 4096, "kvm_run mapping of " + kvm.vcpuMmapSize() + " bytes");
            List<CpuidEntry> cpuid = kvm.supportedCpuid();
            CpuidEntry leaf0 = cpuid.stream().filter(e -> e.function() == 0).findFirst().orElseThrow();
            assertTrue(leaf0.eax() >= 1, "highest basic leaf " + leaf0.eax());
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0x8000_0000), "no extended leaves");
        }
    }

    @Test
    void capabilitiesCarryTheirHeaderNumbers() {
        assertEquals(136, KvmCapability.IMMEDIATE_EXIT.number());
        assertEquals("KVM_CAP_IMMEDIATE_EXIT", KvmCapability.IMMEDIATE_EXIT.headerName());
    }
}
