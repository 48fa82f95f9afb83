package dev.kvmunit.internal.vmm.kvm;

/** The KVM capabilities the engine relies on, with their {@code KVM_CAP_*} numbers. */
public enum KvmCapability {
    IRQCHIP(0),
    USER_MEMORY(3),
    SET_TSS_ADDR(4),
    EXT_CPUID(7),
    IRQFD(32),
    PIT2(33),
    IOEVENTFD(36),
    IMMEDIATE_EXIT(136);

    private final int number;

    KvmCapability(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The name as the kernel headers spell it. */
    public String headerName() {
        return "KVM_CAP_" + name();
    }
}
