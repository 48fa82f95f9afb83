package dev.kvmunit.internal.vmm.acpi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bytes of one ACPI table: the 36-byte System Description Table Header, then whatever the
 * table appends; {@link #build()} fills in the length and the checksum that makes all bytes
 * sum to zero. Little-endian, like every ACPI field.
 */
final class TableBuilder {
    static final int HEADER_LENGTH = 36;
    private static final int LENGTH_OFFSET = 4;
    private static final int CHECKSUM_OFFSET = 9;

    /** Who made the tables: the OEM id also goes into the RSDP. */
    static final String OEM_ID = "KVMUNT";
    private static final String OEM_TABLE_ID = "KVMUNIT";
    private static final int OEM_REVISION = 1;
    private static final String CREATOR_ID = "KVMU";
    private static final int CREATOR_REVISION = 1;

    private byte[] bytes = new byte[256];
    private int size;

    TableBuilder(String signature, int revision) {
        ascii(signature, 4);
        u32(0); // length, set by build()
        u8(revision);
        u8(0); // checksum, set by build()
        ascii(OEM_ID, 6);
        ascii(OEM_TABLE_ID, 8);
        u32(OEM_REVISION);
        ascii(CREATOR_ID, 4);
        u32(CREATOR_REVISION);
    }

    int size() {
        return size;
    }

    TableBuilder u8(int value) {
        return put(value, 1);
    }

    TableBuilder u16(int value) {
        return put(value, 2);
    }

    TableBuilder u32(long value) {
        return put(value, 4);
    }

    TableBuilder u64(long value) {
        return put(value, 8);
    }

    TableBuilder bytes(byte[] data) {
        ensure(data.length);
        System.arraycopy(data, 0, bytes, size, data.length);
        size += data.length;
        return this;
    }

    /** Appends {@code value} as ASCII, NUL-padded to {@code width} bytes. */
    TableBuilder ascii(String value, int width) {
        byte[] encoded = value.getBytes(StandardCharsets.US_ASCII);
        if (encoded.length > width) {
            throw new IllegalArgumentException("'" + value + "' is longer than its " + width + "-byte field");
        }
        return bytes(Arrays.copyOf(encoded, width));
    }

    TableBuilder zeros(int count) {
        ensure(count);
        size += count;
        return this;
    }

    /** Overwrites {@code width} bytes at {@code offset}, for tables laid out by field offset. */
    TableBuilder putAt(int offset, long value, int width) {
        if (offset < HEADER_LENGTH || offset + width > size) {
            throw new IllegalArgumentException("field at " + offset + " of width " + width
                    + " is outside the table body [" + HEADER_LENGTH + ", " + size + ")");
        }
        writeLe(bytes, offset, value, width);
        return this;
    }

    byte[] build() {
        byte[] table = Arrays.copyOf(bytes, size);
        writeLe(table, LENGTH_OFFSET, size, 4);
        table[CHECKSUM_OFFSET] = checksum(table, 0, size);
        return table;
    }

    /** The byte that makes {@code data[from, to)} sum to zero modulo 256 when it is added. */
    static byte checksum(byte[] data, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += data[i];
        }
        return (byte) -sum;
    }

    static void writeLe(byte[] target, int offset, long value, int width) {
        for (int k = 0; k < width; k++) {
            target[offset + k] = (byte) (value >>> (8 * k));
        }
    }

    private TableBuilder put(long value, int width) {
        ensure(width);
        writeLe(bytes, size, value, width);
        size += width;
        return this;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
