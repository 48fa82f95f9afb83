package dev.kvmunit.internal.vmm.virtio;

/**
 * Told when a device gives up on its driver (protocol violation, access outside guest RAM)
 * so the VM can fail the test with the reason. Called on whichever thread drove the device
 * (a vCPU, the ioeventfd poller, or a host thread sending data), with the device locked:
 * record the reason and return; do not block and do not throw.
 */
@FunctionalInterface
public interface VirtioFaultListener {
    void deviceFailed(String reason);
}
