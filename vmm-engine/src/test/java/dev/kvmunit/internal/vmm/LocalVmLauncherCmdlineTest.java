package dev.kvmunit.internal.vmm;

import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The virtio device is described once: a kernel with VIRTIO_MMIO_CMDLINE_DEVICES that found it
 * in both the DSDT and the command line probed it twice and logged an EBUSY failure every boot.
 */
class LocalVmLauncherCmdlineTest {
    private static final VirtioMmioWindow CONSOLE = VirtioMmioWindow.slot(0, 5);

    @Test
    void withAcpiTheDsdtAloneNamesTheDevice() {
        assertEquals("console=ttyS0 reboot=k panic=-1 quiet loglevel=4",
                LocalVmLauncher.kernelCmdline("quiet loglevel=4", CONSOLE));
        assertEquals("console=ttyS0 reboot=k panic=-1", LocalVmLauncher.kernelCmdline("", CONSOLE));
    }

    @Test
    void withAcpiOffTheCommandLineIsTheDevicesOnlyDescription() {
        assertEquals("console=ttyS0 reboot=k panic=-1 virtio_mmio.device=4K@0xd0000000:5 quiet acpi=off",
                LocalVmLauncher.kernelCmdline(" quiet acpi=off ", CONSOLE));
    }

    @Test
    void theTestsOwnCommandLineIsKeptAsWritten() {
        assertEquals("console=ttyS0 reboot=k panic=-1 dyndbg=\"file ext.c  +p\"",
                LocalVmLauncher.kernelCmdline("dyndbg=\"file ext.c  +p\"", CONSOLE));
    }
}
