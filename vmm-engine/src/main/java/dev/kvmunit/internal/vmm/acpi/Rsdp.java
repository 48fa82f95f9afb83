package dev.kvmunit.internal.vmm.acpi;

import java.nio.charset.StandardCharsets;

/**
 * Root System Description Pointer, revision 2 (ACPI 2.0+): points at the XSDT. Not a
 * regular table: its own 36-byte layout with a checksum over the first 20 bytes (the
 * ACPI 1.0 part) and an extended checksum over all 36.
 */
final class Rsdp {
    private Rsdp() {
    }

    static final int LENGTH = 36;
    /** The OS scans for it on 16-byte boundaries when not told where it is. */
    static final int ALIGNMENT = 16;
    private static final int REVISION = 2;
    private static final int V1_LENGTH = 20;
    private static final int CHECKSUM_OFFSET = 8;
    private static final int OEM_ID_OFFSET = 9;
    private static final int REVISION_OFFSET = 15;
    private static final int LENGTH_OFFSET = 20;
    private static final int XSDT_ADDRESS_OFFSET = 24;
    private static final int EXTENDED_CHECKSUM_OFFSET = 32;

    static byte[] build(long xsdtAddress) {
        byte[] rsdp = new byte[LENGTH];
        System.arraycopy("RSD PTR ".getBytes(StandardCharsets.US_ASCII), 0, rsdp, 0, 8);
        byte[] oem = TableBuilder.OEM_ID.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(oem, 0, rsdp, OEM_ID_OFFSET, oem.length);
        rsdp[REVISION_OFFSET] = REVISION;
        // RsdtAddress stays 0: there is no RSDT, revision 2 readers use the XSDT.
        TableBuilder.writeLe(rsdp, LENGTH_OFFSET, LENGTH, 4);
        TableBuilder.writeLe(rsdp, XSDT_ADDRESS_OFFSET, xsdtAddress, 8);
        rsdp[CHECKSUM_OFFSET] = TableBuilder.checksum(rsdp, 0, V1_LENGTH);
        rsdp[EXTENDED_CHECKSUM_OFFSET] = TableBuilder.checksum(rsdp, 0, LENGTH);
        return rsdp;
    }
}
