package dev.kvmunit.internal.vmm.devices;

/** One interrupt input of the in-kernel irqchip, as a device sees it. */
public interface IrqLine {
    void setLevel(boolean high);

    /** An edge: raise then lower, for edge-triggered sources. */
    default void pulse() {
        setLevel(true);
        setLevel(false);
    }
}
