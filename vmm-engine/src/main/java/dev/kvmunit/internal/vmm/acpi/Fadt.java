package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.devices.CmosRtc;

/**
 * Fixed ACPI Description Table, revision 6.5, for a hardware-reduced platform: no SCI, no
 * PM1 blocks, no PM timer, no FACS. What matters to Linux is the HW_REDUCED_ACPI flag, the
 * DSDT address and the IA-PC boot architecture flags.
 */
final class Fadt {
    private Fadt() {
    }

    static final int LENGTH = 276;
    private static final int REVISION = 6;
    private static final int MINOR_REVISION = 5;

    // Field offsets (ACPI 6.5 table 5.9).
    private static final int CENTURY = 108;
    private static final int IAPC_BOOT_ARCH = 109;
    private static final int FLAGS = 112;
    private static final int MINOR_REVISION_OFFSET = 131;
    private static final int X_DSDT = 140;

    /**
     * IA-PC boot architecture flags. Only "VGA not present" is set:
     * <ul>
     * <li>LEGACY_DEVICES clear: nothing for PNPBIOS to enumerate. COM1 does not need it,
     *     the 8250 driver registers the standard ISA ports by itself.</li>
     * <li>8042 clear: Linux's i8042 driver then skips probing (no keyboard or mouse here,
     *     each probe step would cost exits or timeouts); {@code reboot=k} still writes the
     *     reset command to port 0x64, which our stub serves.</li>
     * <li>VGA_NOT_PRESENT set: there is no VGA; the kernel must not poke VGA memory/ports.</li>
     * <li>MSI_NOT_SUPPORTED and PCIE_ASPM_CONTROLS clear: there is no PCI yet, and a later
     *     virtio-pci transport will want MSI.</li>
     * <li>CMOS_RTC_NOT_PRESENT clear: the RTC is emulated so rtc_cmos and the wall clock
     *     work, and it answers quickly.</li>
     * </ul>
     */
    private static final int BOOT_ARCH_NO_VGA = 1 << 2;

    /**
     * HW_REDUCED_ACPI: no fixed hardware, Linux skips SCI, PM timer and legacy PIC setup.
     * PWR_BUTTON and SLP_BUTTON say there are no fixed-feature buttons either.
     */
    private static final int FLAG_PWR_BUTTON = 1 << 4;
    private static final int FLAG_SLP_BUTTON = 1 << 5;
    private static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

    static byte[] build(long dsdtAddress) {
        TableBuilder table = new TableBuilder("FACP", REVISION);
        table.zeros(LENGTH - TableBuilder.HEADER_LENGTH);
        // FIRMWARE_CTRL, X_FIRMWARE_CTRL and the 32-bit DSDT stay 0: the spec requires DSDT
        // to be zero when X_DSDT is set, and hardware-reduced platforms may omit the FACS.
        table.putAt(CENTURY, CmosRtc.CENTURY, 1); // the CMOS index our RTC serves the century at
        table.putAt(IAPC_BOOT_ARCH, BOOT_ARCH_NO_VGA, 2);
        table.putAt(FLAGS, FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON, 4);
        table.putAt(MINOR_REVISION_OFFSET, MINOR_REVISION, 1);
        table.putAt(X_DSDT, dsdtAddress, 8);
        return table.build();
    }
}
