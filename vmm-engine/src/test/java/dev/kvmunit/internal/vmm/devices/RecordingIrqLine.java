package dev.kvmunit.internal.vmm.devices;

import java.util.ArrayList;
import java.util.List;

/** An interrupt line that remembers every level it was driven to, in order. */
final class RecordingIrqLine implements IrqLine {
    private final List<Boolean> levels = new ArrayList<>();

    @Override
    public void setLevel(boolean high) {
        levels.add(high);
    }

    boolean isHigh() {
        return !levels.isEmpty() && levels.get(levels.size() - 1);
    }

    /** Number of low-to-high transitions seen so far: what an edge-triggered input counts. */
    int risingEdges() {
        int edges = 0;
        boolean previous = false;
        for (boolean level : levels) {
            if (level && !previous) {
                edges++;
            }
            previous = level;
        }
        return edges;
    }
}
