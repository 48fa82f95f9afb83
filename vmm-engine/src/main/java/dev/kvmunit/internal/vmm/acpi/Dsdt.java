package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.acpi.AmlResources.Polarity;
import dev.kvmunit.internal.vmm.acpi.AmlResources.Trigger;
import dev.kvmunit.internal.vmm.devices.Serial16550;
import dev.kvmunit.internal.vmm.virtio.VirtioMmioWindow;

import java.util.List;

/**
 * Differentiated System Description Table: the AML namespace. Under {@code \_SB} it holds
 * COM1 and one {@code LNRO0005} device per virtio-mmio window, which is how a kernel whose
 * virtio_mmio driver has no command-line devices finds them (its ACPI match table).
 */
final class Dsdt {
    private Dsdt() {
    }

    /** Revision 2 and up: AML integers are 64 bits wide. */
    private static final int REVISION = 2;
    static final String VIRTIO_MMIO_HID = "LNRO0005";
    /** Device names are VR00-VRFF, so at most 256 devices. */
    static final int MAX_VIRTIO_MMIO_DEVICES = 256;

    static byte[] build(List<VirtioMmioWindow> devices) {
        if (devices.size() > MAX_VIRTIO_MMIO_DEVICES) {
            throw new IllegalArgumentException(devices.size() + " virtio-mmio devices; the DSDT names at most "
                    + MAX_VIRTIO_MMIO_DEVICES);
        }
        byte[][] deviceTerms = new byte[devices.size() + 1][];
        deviceTerms[0] = com1();
        for (int i = 0; i < devices.size(); i++) {
            deviceTerms[i + 1] = virtioMmioDevice(i, devices.get(i));
        }
        return new TableBuilder("DSDT", REVISION)
                .bytes(Aml.scope("\\_SB_", deviceTerms))
                .build();
    }

    /**
     * COM1 as a PNP0501 device. On a hardware-reduced platform Linux has no legacy PIC and
     * maps no ISA interrupts by itself: the 8250 driver's legacy probe still finds the port
     * (the kernel console, which polls, works), but its IRQ 4 cannot be requested, so every
     * open of ttyS0 from user space fails. Declared here, the port's interrupt is registered
     * through ACPI and the 8250 PNP driver takes the port over with it.
     */
    private static byte[] com1() {
        return Aml.device("COM1",
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", AmlResources.template(
                        AmlResources.ioPort(Serial16550.COM1_PORT, Serial16550.PORT_COUNT),
                        AmlResources.extendedInterrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false,
                                Serial16550.COM1_IRQ))));
    }

    /**
     * The interrupt is edge-triggered, active high and exclusive: the device raises it
     * through an irqfd, which KVM delivers as an edge, and the driver acknowledges causes
     * through the InterruptACK register rather than by the line level.
     */
    private static byte[] virtioMmioDevice(int index, VirtioMmioWindow device) {
        return Aml.device(String.format("VR%02X", index),
                Aml.name("_HID", Aml.string(VIRTIO_MMIO_HID)),
                Aml.name("_UID", Aml.integer(index)),
                Aml.name("_CRS", AmlResources.template(
                        AmlResources.memory32Fixed(true, device.base(), device.size()),
                        AmlResources.extendedInterrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, device.gsi()))));
    }
}
