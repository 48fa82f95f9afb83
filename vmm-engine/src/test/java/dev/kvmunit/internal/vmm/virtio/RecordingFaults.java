package dev.kvmunit.internal.vmm.virtio;

import java.util.ArrayList;
import java.util.List;

/** Collects the reasons a device gave up. */
final class RecordingFaults implements VirtioFaultListener {
    final List<String> reasons = new ArrayList<>();

    @Override
    public void deviceFailed(String reason) {
        reasons.add(reason);
    }

    String only() {
        if (reasons.size() != 1) {
            throw new AssertionError("expected exactly one device failure, got " + reasons);
        }
        return reasons.get(0);
    }
}
