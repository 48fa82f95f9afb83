package dev.kvmunit.internal.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes a payload as {@link PayloadReader} reads it: big-endian integers, byte arrays and
 * strings as a u32 length and their bytes, strings in UTF-8.
 */
public final class PayloadWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public PayloadWriter u8(int value) {
        out.write(value);
        return this;
    }

    public PayloadWriter u32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public PayloadWriter u64(long value) {
        return u32((int) (value >>> 32)).u32((int) value);
    }

    public PayloadWriter bytes(byte[] value) {
        u32(value.length);
        out.writeBytes(value);
        return this;
    }

    public PayloadWriter string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A u32 count followed by each string. */
    public PayloadWriter strings(List<String> values) {
        u32(values.size());
        values.forEach(this::string);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
