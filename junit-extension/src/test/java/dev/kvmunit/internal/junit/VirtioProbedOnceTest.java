package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The agent's virtio-mmio device is probed once and without error. A kernel with
 * VIRTIO_MMIO_CMDLINE_DEVICES built in (the sched_ext kernels of the README) used to find it in
 * the DSDT and on the command line, and log {@code virtio-mmio.0: error -EBUSY: can't request
 * region} on every boot; this test boots kvmunit's sched_ext kernel, which is such a kernel.
 */
class VirtioProbedOnceTest {
    @VmTest(kernel = "sched-ext")
    void theDeviceIsProbedOnceWithoutError(Guest guest) {
        String kernelLog = guest.run("dmesg").stdoutText();

        assertFalse(kernelLog.contains("can't request region"), kernelLog);
        assertFalse(kernelLog.contains("probe with driver virtio-mmio failed"), kernelLog);
        assertEquals("1\n", guest.run("sh", "-c", "ls -d /sys/bus/virtio/devices/virtio* | wc -l").stdoutText(),
                "one virtio device, the console");
    }
}
