package dev.kvmunit.guest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encodes a request payload (PROTOCOL.md, "Payload encoding"): big-endian integers and
 * u32-length-prefixed byte strings. */
final class PayloadWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PayloadWriter u8(int value) {
        out.write(value);
        return this;
    }

    PayloadWriter u32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    PayloadWriter u64(long value) {
        return u32((int) (value >>> 32)).u32((int) value);
    }

    PayloadWriter bytes(byte[] value) {
        u32(value.length);
        out.writeBytes(value);
        return this;
    }

    PayloadWriter string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    PayloadWriter strings(List<String> values) {
        u32(values.size());
        values.forEach(this::string);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
