package dev.kvmunit.internal.vmm.kvm;

import dev.kvmunit.internal.vmm.devices.IrqLine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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
            assertDoesNotThrow(line::pulse, "the line reaches the irqchip of the open VM");
            int number = vm.fd();
            vm.close();

            // The number now names a VM without an irqchip, where KVM_IRQ_LINE fails: a pulse
            // that reached it would throw.
            try (KvmVm next = kvm.createVm(); RecycledFdNumber recycled = RecycledFdNumber.reuse(number, next.fd())) {
                assertThrows(KvmException.class, () -> next.setIrqLevel(4, true));
                assertDoesNotThrow(line::pulse, "the closed VM's line reached fd " + number + ", now another VM's");
            }
            assertDoesNotThrow(vm::close, "closing twice does nothing");
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
