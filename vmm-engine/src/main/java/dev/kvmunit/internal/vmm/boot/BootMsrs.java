package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.Msr;

import java.util.List;

/**
 * MSR values every vCPU starts with: system-call MSRs cleared (the kernel programs them), TSC
 * at zero, fast string operations on, and MTRRs enabled with write-back as the default type so
 * the guest does not run all of RAM uncached.
 */
public final class BootMsrs {
    public static final int IA32_TSC = 0x10;
    public static final int IA32_SYSENTER_CS = 0x174;
    public static final int IA32_SYSENTER_ESP = 0x175;
    public static final int IA32_SYSENTER_EIP = 0x176;
    public static final int IA32_MISC_ENABLE = 0x1A0;
    public static final int IA32_MTRR_DEF_TYPE = 0x2FF;
    public static final int STAR = 0xC000_0081;
    public static final int LSTAR = 0xC000_0082;
    public static final int CSTAR = 0xC000_0083;
    public static final int SFMASK = 0xC000_0084;
    public static final int KERNEL_GS_BASE = 0xC000_0102;

    static final long MISC_ENABLE_FAST_STRING = 1;
    static final long MTRR_ENABLE = 1 << 11;
    static final long MTRR_TYPE_WRITE_BACK = 6;

    private static final List<Msr> BOOT = List.of(
            new Msr(IA32_SYSENTER_CS, 0),
            new Msr(IA32_SYSENTER_ESP, 0),
            new Msr(IA32_SYSENTER_EIP, 0),
            new Msr(STAR, 0),
            new Msr(LSTAR, 0),
            new Msr(CSTAR, 0),
            new Msr(KERNEL_GS_BASE, 0),
            new Msr(SFMASK, 0),
            new Msr(IA32_TSC, 0),
            new Msr(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
            new Msr(IA32_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRITE_BACK));

    private BootMsrs() {
    }

    /** The MSRs to set with KVM_SET_MSRS on each vCPU before it first runs. */
    public static List<Msr> forEveryVcpu() {
        return BOOT;
    }
}
