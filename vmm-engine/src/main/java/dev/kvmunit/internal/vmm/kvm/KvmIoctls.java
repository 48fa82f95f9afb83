package dev.kvmunit.internal.vmm.kvm;

/**
 * The KVM ioctl request numbers, computed the way {@code <asm-generic/ioctl.h>} encodes them
 * ({@code _IO/_IOR/_IOW/_IOWR}: direction, argument size, type, number) from the struct sizes
 * of {@code <linux/kvm.h>} on x86_64, so each number can be checked against the header.
 */
final class KvmIoctls {
    private KvmIoctls() {
    }

    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = 8;
    private static final int SIZE_SHIFT = 16;
    private static final int DIR_SHIFT = 30;
    private static final int SIZE_MASK = (1 << 14) - 1;
    private static final long DIR_NONE = 0;
    private static final long DIR_WRITE = 1;
    private static final long DIR_READ = 2;

    /** The ioctl type byte of every KVM request. */
    private static final int KVMIO = 0xAE;

    static long io(int type, int nr) {
        return encode(DIR_NONE, type, nr, 0);
    }

    static long ior(int type, int nr, int size) {
        return encode(DIR_READ, type, nr, size);
    }

    static long iow(int type, int nr, int size) {
        return encode(DIR_WRITE, type, nr, size);
    }

    static long iowr(int type, int nr, int size) {
        return encode(DIR_READ | DIR_WRITE, type, nr, size);
    }

    private static long encode(long dir, int type, int nr, int size) {
        if (size < 0 || size > SIZE_MASK) {
            throw new IllegalArgumentException("ioctl argument size " + size + " does not fit in 14 bits");
        }
        return dir << DIR_SHIFT | (long) size << SIZE_SHIFT | (long) (type & 0xFF) << TYPE_SHIFT
                | (long) (nr & 0xFF) << NR_SHIFT;
    }

    // Struct sizes from <linux/kvm.h> (x86_64).
    static final int SIZEOF_KVM_CPUID2 = 8;
    static final int SIZEOF_KVM_CPUID_ENTRY2 = 40;
    static final int SIZEOF_KVM_USERSPACE_MEMORY_REGION = 32;
    static final int SIZEOF_U64 = 8;
    static final int SIZEOF_KVM_IRQ_LEVEL = 8;
    static final int SIZEOF_KVM_PIT_CONFIG = 64;
    static final int SIZEOF_KVM_IRQFD = 32;
    static final int SIZEOF_KVM_IOEVENTFD = 64;
    static final int SIZEOF_KVM_REGS = 144;
    static final int SIZEOF_KVM_SREGS = 312;
    static final int SIZEOF_KVM_MSRS = 8;
    static final int SIZEOF_KVM_MSR_ENTRY = 16;
    static final int SIZEOF_KVM_FPU = 416;
    static final int SIZEOF_KVM_MP_STATE = 4;

    // System ioctls, on the /dev/kvm fd.
    static final long KVM_GET_API_VERSION = io(KVMIO, 0x00);
    static final long KVM_CREATE_VM = io(KVMIO, 0x01);
    static final long KVM_CHECK_EXTENSION = io(KVMIO, 0x03);
    static final long KVM_GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);
    static final long KVM_GET_SUPPORTED_CPUID = iowr(KVMIO, 0x05, SIZEOF_KVM_CPUID2);

    // VM ioctls.
    static final long KVM_CREATE_VCPU = io(KVMIO, 0x41);
    static final long KVM_SET_USER_MEMORY_REGION = iow(KVMIO, 0x46, SIZEOF_KVM_USERSPACE_MEMORY_REGION);
    static final long KVM_SET_TSS_ADDR = io(KVMIO, 0x47);
    static final long KVM_SET_IDENTITY_MAP_ADDR = iow(KVMIO, 0x48, SIZEOF_U64);
    static final long KVM_CREATE_IRQCHIP = io(KVMIO, 0x60);
    static final long KVM_IRQ_LINE = iow(KVMIO, 0x61, SIZEOF_KVM_IRQ_LEVEL);
    static final long KVM_IRQFD = iow(KVMIO, 0x76, SIZEOF_KVM_IRQFD);
    static final long KVM_CREATE_PIT2 = iow(KVMIO, 0x77, SIZEOF_KVM_PIT_CONFIG);
    static final long KVM_IOEVENTFD = iow(KVMIO, 0x79, SIZEOF_KVM_IOEVENTFD);

    // vCPU ioctls.
    static final long KVM_RUN = io(KVMIO, 0x80);
    static final long KVM_GET_REGS = ior(KVMIO, 0x81, SIZEOF_KVM_REGS);
    static final long KVM_SET_REGS = iow(KVMIO, 0x82, SIZEOF_KVM_REGS);
    static final long KVM_GET_SREGS = ior(KVMIO, 0x83, SIZEOF_KVM_SREGS);
    static final long KVM_SET_SREGS = iow(KVMIO, 0x84, SIZEOF_KVM_SREGS);
    static final long KVM_SET_MSRS = iow(KVMIO, 0x89, SIZEOF_KVM_MSRS);
    static final long KVM_GET_FPU = ior(KVMIO, 0x8C, SIZEOF_KVM_FPU);
    static final long KVM_SET_FPU = iow(KVMIO, 0x8D, SIZEOF_KVM_FPU);
    static final long KVM_SET_CPUID2 = iow(KVMIO, 0x90, SIZEOF_KVM_CPUID2);
    static final long KVM_GET_MP_STATE = ior(KVMIO, 0x98, SIZEOF_KVM_MP_STATE);
    static final long KVM_SET_MP_STATE = iow(KVMIO, 0x99, SIZEOF_KVM_MP_STATE);
}
