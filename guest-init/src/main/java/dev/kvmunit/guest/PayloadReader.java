package dev.kvmunit.guest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a payload that came from the guest (PROTOCOL.md, "Payload encoding"). Every read is
 * bounds-checked and a failure names the message and the field, since the guest is not trusted.
 */
final class PayloadReader {
    private final ByteBuffer in;
    private final String message;

    PayloadReader(byte[] payload, String message) {
        this.in = ByteBuffer.wrap(payload);
        this.message = message;
    }

    int u8(String field) throws ProtocolException {
        need(1, field);
        return Byte.toUnsignedInt(in.get());
    }

    int u32(String field) throws ProtocolException {
        need(4, field);
        return in.getInt();
    }

    long u64(String field) throws ProtocolException {
        need(8, field);
        return in.getLong();
    }

    byte[] bytes(String field) throws ProtocolException {
        long length = Integer.toUnsignedLong(u32(field + " length"));
        if (length > in.remaining()) {
            throw new ProtocolException(message + " payload: " + field + " claims " + length + " bytes but only "
                    + in.remaining() + " remain");
        }
        byte[] bytes = new byte[(int) length];
        in.get(bytes);
        return bytes;
    }

    String string(String field) throws ProtocolException {
        byte[] bytes = bytes(field);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(message + " payload: " + field + " is not valid UTF-8");
        }
    }

    /** Fails when bytes are left over: a payload longer than its layout is malformed too. */
    void end() throws ProtocolException {
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
