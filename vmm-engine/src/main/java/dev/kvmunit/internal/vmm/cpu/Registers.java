package dev.kvmunit.internal.vmm.cpu;

/** The general-purpose registers of {@code struct kvm_regs} that boot code sets; the rest are zero. */
public record Registers(long rip, long rsp, long rbp, long rsi, long rdi, long rax, long rbx, long rflags) {

    /** RFLAGS with only the always-one bit 1 set. */
    public static final long RFLAGS_RESERVED = 0x2;
}
