package dev.kvmunit.internal.vmm.kvm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The computed request numbers against the values {@code <linux/kvm.h>} expands to on x86_64. */
class KvmIoctlsTest {
    @Test
    void requestNumbersMatchTheKernelHeaders() {
        assertEquals(0xAE00L, KvmIoctls.KVM_GET_API_VERSION);
        assertEquals(0xAE01L, KvmIoctls.KVM_CREATE_VM);
        assertEquals(0xAE03L, KvmIoctls.KVM_CHECK_EXTENSION);
        assertEquals(0xAE04L, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE);
        assertEquals(0xC008AE05L, KvmIoctls.KVM_GET_SUPPORTED_CPUID);
        assertEquals(0xAE41L, KvmIoctls.KVM_CREATE_VCPU);
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0xAE47L, KvmIoctls.KVM_SET_TSS_ADDR);
        assertEquals(0x4008AE48L, KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR);
        assertEquals(0xAE60L, KvmIoctls.KVM_CREATE_IRQCHIP);
        assertEquals(0x4008AE61L, KvmIoctls.KVM_IRQ_LINE);
        assertEquals(0x4020AE76L, KvmIoctls.KVM_IRQFD);
        assertEquals(0x4040AE77L, KvmIoctls.KVM_CREATE_PIT2);
        assertEquals(0x4040AE79L, KvmIoctls.KVM_IOEVENTFD);
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN);
        assertEquals(0x8090AE81L, KvmIoctls.KVM_GET_REGS);
        assertEquals(0x4090AE82L, KvmIoctls.KVM_SET_REGS);
        assertEquals(0x8138AE83L, KvmIoctls.KVM_GET_SREGS);
        assertEquals(0x4138AE84L, KvmIoctls.KVM_SET_SREGS);
        assertEquals(0x4008AE89L, KvmIoctls.KVM_SET_MSRS);
        assertEquals(0x81A0AE8CL, KvmIoctls.KVM_GET_FPU);
        assertEquals(0x41A0AE8DL, KvmIoctls.KVM_SET_FPU);
        assertEquals(0x4008AE90L, KvmIoctls.KVM_SET_CPUID2);
        assertEquals(0x8004AE98L, KvmIoctls.KVM_GET_MP_STATE);
        assertEquals(0x4004AE99L, KvmIoctls.KVM_SET_MP_STATE);
    }

    @Test
    void anArgumentTooLargeForTheSizeFieldIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvmIoctls.iow(0xAE, 1, 1 << 14));
        assertEquals("ioctl argument size 16384 does not fit in 14 bits", e.getMessage());
    }
}
