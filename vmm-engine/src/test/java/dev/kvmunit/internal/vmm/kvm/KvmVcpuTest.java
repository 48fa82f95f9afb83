package dev.kvmunit.internal.vmm.kvm;

import dev.kvmunit.internal.vmm.cpu.Msr;
import dev.kvmunit.internal.vmm.cpu.Registers;
import dev.kvmunit.internal.vmm.cpu.Segment;
import dev.kvmunit.internal.vmm.cpu.SpecialRegisters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vCPU register ioctls map to and from the {@code cpu} records without losing a field. */
@RequiresKvm
class KvmVcpuTest {
    private static final int MSR_IA32_SYSENTER_CS = 0x174;
    private static final int MSR_NONEXISTENT = 0x4B564DFF;

    private KvmSystem kvm;
    private KvmVm vm;

    @BeforeEach
    void createVm() {
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        vm.createIrqchip();
    }

    @AfterEach
    void closeVm() {
        vm.close();
        kvm.close();
    }

    @Test
    void generalRegistersRoundTrip() {
        KvmVcpu vcpu = vm.createVcpu(0);
        Registers set = new Registers(0x100200, 0x8FF0, 0x1234, 0x7000, 0x5555, 0xAAAA, 0xBBBB, 0x202);

        vcpu.setRegisters(set);

        assertEquals(set, vcpu.registers());
    }

    @Test
    void specialRegistersRoundTripForLongMode() {
        KvmVcpu vcpu = vm.createVcpu(0);
        SpecialRegisters reset = vcpu.specialRegisters();
        Segment code = new Segment(0, 0xFFFFFFFF, 0x10, 0xB, true, 0, false, true, true, true);
        Segment data = new Segment(0, 0xFFFFFFFF, 0x18, 0x3, true, 0, true, true, false, true);
        // A byte-granular 104-byte TSS: the rig L1's SVM KVM returned a page-granular TR without its G bit.
        Segment tss = new Segment(0, 0x67, 0x20, 0xB, true, 0, false, false, false, false);
        SpecialRegisters longMode = new SpecialRegisters(code, data, data, data, data, data, tss, reset.ldt(),
                0x500, 0x27, 0x520, 0x7, 0x8000_0011L, 0x9000, 0x20, 0x500);
        vcpu.setCpuid(kvm.supportedCpuid()); // KVM refuses EFER.LME unless CPUID offers long mode

        vcpu.setSpecialRegisters(longMode);

        assertEquals(longMode, vcpu.specialRegisters());
    }

    @Test
    void applicationProcessorsWaitForInitAndCanBeMadeRunnable() {
        KvmVcpu boot = vm.createVcpu(0);
        KvmVcpu ap = vm.createVcpu(1);

        assertEquals(MpState.RUNNABLE, boot.mpState());
        assertEquals(MpState.UNINITIALIZED, ap.mpState());
        ap.setMpState(MpState.RUNNABLE);
        assertEquals(MpState.RUNNABLE, ap.mpState());
    }

    @Test
    void msrsAreWrittenAndARefusedOneIsNamed() {
        KvmVcpu vcpu = vm.createVcpu(0);
        vcpu.setMsrs(List.of(new Msr(MSR_IA32_SYSENTER_CS, 0x10)));

        KvmException e = assertThrows(KvmException.class, () -> vcpu.setMsrs(List.of(
                new Msr(MSR_IA32_SYSENTER_CS, 0x10), new Msr(MSR_NONEXISTENT, 7))));

        assertTrue(e.getMessage().contains("refused MSR 0x4b564dff (value 0x7)"), e.getMessage());
    }
}
