package dev.kvmunit.internal.vmm.kvm;

import dev.kvmunit.internal.vmm.devices.IrqLine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@RequiresKvm
class KvmVmTest {
    @Test
    void anIrqLineRaisedAfterCloseIsDroppedInsteadOfHittingARecycledFd() {
        try (KvmSystem kvm = KvmSystem.open()) {
            KvmVm vm = kvm.createVm();
            vm.createIrqchip();
            IrqLine line = vm.irqLine(4);
            line.pulse();
            vm.close();

            line.pulse(); // must neither throw nor reach whatever now owns the fd number
            vm.close();
        }
    }

    @Test
    void anIrqLineWithoutAnIrqchipFailsNamingTheCall() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            KvmException e = assertThrows(KvmException.class, () -> vm.setIrqLevel(4, true));
            assertTrue(e.getMessage().startsWith("KVM_IRQ_LINE(gsi 4) on the VM failed: "), e.getMessage());
            assertTrue(e.errno() > 0);
        }
    }

    @Test
    void ioeventfdWidthsOtherThanOneTwoFourEightAreRefused() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vm.ioeventfd(IoEventSpace.PORT, 0x10, 3));
            assertEquals("ioeventfd length must be 1, 2, 4 or 8, was 3", e.getMessage());
        }
    }
}
