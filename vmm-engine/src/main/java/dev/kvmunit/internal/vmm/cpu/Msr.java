package dev.kvmunit.internal.vmm.cpu;

/** A model-specific register and the value to load into it. */
public record Msr(int index, long value) {
}
