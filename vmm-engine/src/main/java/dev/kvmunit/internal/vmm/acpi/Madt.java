package dev.kvmunit.internal.vmm.acpi;

import dev.kvmunit.internal.vmm.memory.MemoryLayout;
import java.util.List;

/**
 * Multiple APIC Description Table: the only way a Debian kernel (X86_MPPARSE off) learns
 * about CPUs. One enabled Processor Local APIC entry per vCPU (Processor Local x2APIC for
 * ids the 8-bit field cannot hold), the in-kernel IOAPIC, and the ISA IRQ 0 override.
 */
final class Madt {
    private Madt() {
    }

    private static final int REVISION = 5; // ACPI 6.3 to 6.5

    private static final int TYPE_LOCAL_APIC = 0;
    private static final int TYPE_IO_APIC = 1;
    private static final int TYPE_INTERRUPT_SOURCE_OVERRIDE = 2;
    private static final int TYPE_LOCAL_X2APIC = 9;

    private static final int LOCAL_APIC_ENTRY_LENGTH = 8;
    private static final int IO_APIC_ENTRY_LENGTH = 12;
    private static final int OVERRIDE_ENTRY_LENGTH = 10;
    private static final int LOCAL_X2APIC_ENTRY_LENGTH = 16;

    private static final int PROCESSOR_ENABLED = 1;
    /**
     * 0xFF in an 8-bit APIC id field means "broadcast", so 254 is the largest id the Local
     * APIC entry can describe; the spec wants x2APIC entries from 255 up, and Linux ignores
     * x2APIC entries below 255 when Local APIC entries exist.
     */
    private static final int MAX_XAPIC_ID = 0xFE;
    /** The processor UID of a Local APIC entry is 8 bits too. */
    private static final int MAX_XAPIC_UID = 0xFE;

    /** KVM's in-kernel IOAPIC reports id 0 in its ID register; the MADT says the same. */
    private static final int IO_APIC_ID = 0;
    private static final int IO_APIC_GSI_BASE = 0;

    private static final int ISA_BUS = 0;
    private static final int PIT_IRQ = 0;
    /** KVM's default routing wires the PIT to IOAPIC input 2, like PC chipsets. */
    private static final int PIT_GSI = 2;
    /** Polarity and trigger "conform to the bus": ISA means edge, active high. */
    private static final int CONFORMING = 0;

    /**
     * MADT flags: PCAT_COMPAT (bit 0) stays clear. The platform is hardware-reduced, Linux
     * then never uses the 8259 pair, so the tables must not advertise one.
     */
    private static final int FLAGS = 0;

    static byte[] build(List<Integer> apicIds) {
        TableBuilder table = new TableBuilder("APIC", REVISION);
        table.u32(MemoryLayout.LAPIC_ADDRESS);
        table.u32(FLAGS);
        for (int uid = 0; uid < apicIds.size(); uid++) {
            int apicId = apicIds.get(uid);
            if (apicId <= MAX_XAPIC_ID) {
                if (uid > MAX_XAPIC_UID) {
                    throw new IllegalArgumentException("vCPU " + uid + " has APIC id " + apicId
                            + ", below 255, but only vCPUs 0-254 can have such ids: order the APIC ids"
                            + " so that the ones below 255 come first");
                }
                table.u8(TYPE_LOCAL_APIC).u8(LOCAL_APIC_ENTRY_LENGTH)
                        .u8(uid).u8(apicId).u32(PROCESSOR_ENABLED);
            } else {
                table.u8(TYPE_LOCAL_X2APIC).u8(LOCAL_X2APIC_ENTRY_LENGTH).u16(0)
                        .u32(apicId).u32(PROCESSOR_ENABLED).u32(uid);
            }
        }
        table.u8(TYPE_IO_APIC).u8(IO_APIC_ENTRY_LENGTH).u8(IO_APIC_ID).u8(0)
                .u32(MemoryLayout.IOAPIC_ADDRESS).u32(IO_APIC_GSI_BASE);
        table.u8(TYPE_INTERRUPT_SOURCE_OVERRIDE).u8(OVERRIDE_ENTRY_LENGTH).u8(ISA_BUS).u8(PIT_IRQ)
                .u32(PIT_GSI).u16(CONFORMING);
        return table.build();
    }
}
