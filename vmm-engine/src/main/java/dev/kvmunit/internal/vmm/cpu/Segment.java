package dev.kvmunit.internal.vmm.cpu;

/**
 * A segment register as KVM's {@code struct kvm_segment} holds it: the hidden
 * descriptor cache, not a GDT entry. {@code type} is the 4-bit descriptor type.
 */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl,
                      boolean defaultSize, boolean system, boolean longMode, boolean granularity) {

    /** An unusable segment (null selector), as KVM expects for LDT and unused data segments. */
    public static Segment unusable() {
        return new Segment(0, 0, 0, 0, false, 0, false, false, false, false);
    }
}
