package dev.kvmunit.internal.vmm.cpu;

/**
 * The parts of {@code struct kvm_sregs} boot code sets. The KVM layer reads the current
 * sregs, overwrites these fields and writes them back, so anything not listed here (APIC
 * base, interrupt bitmap) keeps KVM's value.
 */
public record SpecialRegisters(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
                               Segment tr, Segment ldt, long gdtBase, int gdtLimit, long idtBase, int idtLimit,
                               long cr0, long cr3, long cr4, long efer) {
}
