package dev.kvmunit.internal.vmm.cpu;

/** One {@code struct kvm_cpuid_entry2}. {@code flags} carries KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    public CpuidEntry withRegisters(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }
}
