package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.devices.IrqLine;

/** An interrupt line that remembers its level and counts assertions. */
final class RecordingIrqLine implements IrqLine {
    private boolean level;
    private int raises;

    @Override
    public void setLevel(boolean high) {
        level = high;
        if (high) {
            raises++;
        }
    }

    boolean level() {
        return level;
    }

    int raises() {
        return raises;
    }
}
