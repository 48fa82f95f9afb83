package dev.kvmunit.internal.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows the pointers from the RSDP through guest memory the way an OS does and collects
 * every table's bytes, keyed by signature ({@code RSDP} for the root pointer).
 */
record GuestTables(Map<String, byte[]> all) {
    private static final int RSDP_LENGTH = 36;

    static GuestTables read(GuestMemory memory, long rsdpAddress) {
        Map<String, byte[]> tables = new LinkedHashMap<>();
        byte[] rsdp = memory.read(rsdpAddress, RSDP_LENGTH);
        assertEquals("RSD PTR ", new String(rsdp, 0, 8, StandardCharsets.US_ASCII));
        tables.put("RSDP", rsdp);
        long xsdtAddress = memory.readU64(rsdpAddress + 24);
        byte[] xsdt = table(memory, xsdtAddress);
        tables.put("XSDT", xsdt);
        for (int offset = 36; offset < xsdt.length; offset += 8) {
            long address = memory.readU64(xsdtAddress + offset);
            byte[] table = table(memory, address);
            String signature = new String(table, 0, 4, StandardCharsets.US_ASCII);
            tables.put(signature, table);
            if (signature.equals("FACP")) {
                tables.put("DSDT", table(memory, memory.readU64(address + 140)));
            }
        }
        return new GuestTables(tables);
    }

    byte[] get(String signature) {
        byte[] table = all.get(signature);
        if (table == null) {
            throw new AssertionError("no " + signature + " table reachable from the RSDP; found " + all.keySet());
        }
        return table;
    }

    private static byte[] table(GuestMemory memory, long address) {
        long length = memory.readU32(address + 4);
        return memory.read(address, (int) length);
    }
}
