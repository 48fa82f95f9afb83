package dev.kvmunit.internal.vmm.acpi;

import java.util.List;

/** Extended System Description Table: 64-bit addresses of every table but the DSDT and FACS. */
final class Xsdt {
    private Xsdt() {
    }

    static int length(int entries) {
        return TableBuilder.HEADER_LENGTH + 8 * entries;
    }

    static byte[] build(List<Long> tableAddresses) {
        TableBuilder table = new TableBuilder("XSDT", 1);
        for (long address : tableAddresses) {
            table.u64(address);
        }
        return table.build();
    }
}
