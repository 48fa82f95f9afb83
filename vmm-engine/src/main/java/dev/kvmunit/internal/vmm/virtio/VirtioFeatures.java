package dev.kvmunit.internal.vmm.virtio;

/** Transport-level feature bits (virtio 1.x, section 6) that this implementation knows. */
public final class VirtioFeatures {
    private VirtioFeatures() {
    }

    /** Descriptors may point at a table of further descriptors. */
    public static final int RING_INDIRECT_DESC = 28;
    /** used_event / avail_event fields suppress notifications precisely. */
    public static final int RING_EVENT_IDX = 29;
    /** A virtio 1.x ("modern") driver; mandatory for the version-2 MMIO transport. */
    public static final int VERSION_1 = 32;

    public static long bit(int feature) {
        return 1L << feature;
    }

    public static boolean has(long features, int feature) {
        return (features & bit(feature)) != 0;
    }
}
