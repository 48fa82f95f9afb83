package dev.kvmunit.vmm.rig;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link PayloadWriter} wrote. Every length comes from the peer, so each one is
 * checked against the bytes that remain before anything is allocated.
 */
final class PayloadReader {
    private final ByteBuffer buffer;
    private final String what;

    PayloadReader(byte[] payload, String what) {
        this.buffer = ByteBuffer.wrap(payload);
        this.what = what;
    }

    int u32() throws RigProtocolException {
        require(4, "a 32-bit field");
        return buffer.getInt();
    }

    long u64() throws RigProtocolException {
        require(8, "a 64-bit field");
        return buffer.getLong();
    }

    byte[] bytes(int count) throws RigProtocolException {
        require(count, count + " bytes");
        byte[] value = new byte[count];
        buffer.get(value);
        return value;
    }

    String string() throws RigProtocolException {
        int length = u32();
        if (length < 0) {
            throw new RigProtocolException(what + ": negative string length " + length);
        }
        return new String(bytes(length), StandardCharsets.UTF_8);
    }

    /** A count of items that each take at least {@code minItemBytes}; bounded by what is left. */
    int count(int minItemBytes) throws RigProtocolException {
        int count = u32();
        if (count < 0 || (long) count * minItemBytes > buffer.remaining()) {
            throw new RigProtocolException(what + ": item count " + Integer.toUnsignedString(count)
                    + " does not fit in the " + buffer.remaining() + " bytes left");
        }
        return count;
    }

    /** Fails unless the whole payload was consumed: trailing bytes mean a format mismatch. */
    void end() throws RigProtocolException {
        if (buffer.hasRemaining()) {
            throw new RigProtocolException(what + ": " + buffer.remaining() + " unexpected trailing bytes");
        }
    }

    private void require(int count, String field) throws RigProtocolException {
        if (count < 0 || buffer.remaining() < count) {
            throw new RigProtocolException(what + " is truncated: needs " + field + ", has "
                    + buffer.remaining() + " bytes left");
        }
    }
}
