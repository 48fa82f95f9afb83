package dev.kvmunit.vmm.rig;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Builds a frame payload from fixed-width integers and length-prefixed UTF-8 strings. */
final class PayloadWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    PayloadWriter u32(int value) {
        try {
            out.writeInt(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    PayloadWriter u64(long value) {
        try {
            out.writeLong(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    PayloadWriter bytes(byte[] value) {
        bytes.writeBytes(value);
        return this;
    }

    /** A u32 byte count followed by the UTF-8 bytes; unlike writeUTF, not limited to 64 KiB. */
    PayloadWriter string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return u32(utf8.length).bytes(utf8);
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
