package dev.kvmunit.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a payload from the peer (guest-init's PROTOCOL.md, "Payload encoding"): big-endian
 * integers, byte arrays and strings as a u32 length and their bytes, strings in strict UTF-8.
 * Every read is bounds-checked and a failure names the message and the field, since the peer
 * (a guest above all) is not trusted.
 */
public final class PayloadReader {
    private final ByteBuffer in;
    private final String message;

    /** @param message what the payload is, for error messages ("EXIT", "BOOT request") */
    public PayloadReader(byte[] payload, String message) {
        this.in = ByteBuffer.wrap(payload);
        this.message = message;
    }

    /** Reads a frame's payload without copying it. */
    public PayloadReader(Frame frame, String message) {
        this(frame.payloadUnsafe(), message);
    }

    public int u8(String field) throws ProtocolException {
        need(1, field);
        return Byte.toUnsignedInt(in.get());
    }

    public int u32(String field) throws ProtocolException {
        need(4, field);
        return in.getInt();
    }

    public long u64(String field) throws ProtocolException {
        need(8, field);
        return in.getLong();
    }

    public byte[] bytes(String field) throws ProtocolException {
        long length = Integer.toUnsignedLong(u32(field + " length"));
        if (length > in.remaining()) {
            throw new ProtocolException(message + " payload: " + field + " claims " + length + " bytes but only "
                    + in.remaining() + " remain");
        }
        byte[] bytes = new byte[(int) length];
        in.get(bytes);
        return bytes;
    }

    public String string(String field) throws ProtocolException {
        byte[] bytes = bytes(field);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(message + " payload: " + field + " is not valid UTF-8");
        }
    }

    /** A u32 count of items that each take at least {@code minItemBytes}; bounded by what is left. */
    public int count(int minItemBytes, String field) throws ProtocolException {
        long count = Integer.toUnsignedLong(u32(field + " count"));
        if (count * minItemBytes > in.remaining()) {
            throw new ProtocolException(message + " payload: " + field + " count " + count + " does not fit in the "
                    + in.remaining() + " bytes left");
        }
        return (int) count;
    }

    /** Fails when bytes are left over: a payload longer than its layout is malformed too. */
    public void end() throws ProtocolException {
        if (in.hasRemaining()) {
            throw new ProtocolException(message + " payload has " + in.remaining() + " unexpected trailing bytes");
        }
    }

    private void need(int bytes, String field) throws ProtocolException {
        if (in.remaining() < bytes) {
            throw new ProtocolException(message + " payload ends before its " + field + " field");
        }
    }
}
