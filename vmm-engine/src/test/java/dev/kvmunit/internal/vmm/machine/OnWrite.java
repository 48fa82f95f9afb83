package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.devices.IoDevice;

/** A test device that runs an action whenever the guest writes to it; reads return 0. */
final class OnWrite implements IoDevice {
    private final Runnable action;

    OnWrite(Runnable action) {
        this.action = action;
    }

    @Override
    public void read(long offset, byte[] data) {
    }

    @Override
    public void write(long offset, byte[] data) {
        action.run();
    }
}
