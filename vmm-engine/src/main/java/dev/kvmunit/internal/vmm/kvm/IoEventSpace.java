package dev.kvmunit.internal.vmm.kvm;

/** The address space an ioeventfd watches. */
public enum IoEventSpace {
    /** Port I/O ({@code KVM_IOEVENTFD_FLAG_PIO}). */
    PORT,
    /** Memory-mapped I/O. */
    MMIO
}
