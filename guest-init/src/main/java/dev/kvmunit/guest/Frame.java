package dev.kvmunit.guest;

import java.util.Arrays;

/**
 * One frame of the agent channel: type, request id and payload. The type is kept as its raw
 * code so that frames of unknown types can be represented (and sent, to test the guest).
 *
 * @param type      type code, 0-255; see {@link FrameType}
 * @param requestId the request this frame belongs to; 0 for connection-level frames
 * @param payload   at most {@link FrameCodec#MAX_PAYLOAD} bytes, copied on construction
 */
public record Frame(int type, int requestId, byte[] payload) {

    public Frame {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("frame type must fit in a byte, got " + type);
        }
        if (payload.length > FrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payload.length + " bytes exceeds the maximum of "
                    + FrameCodec.MAX_PAYLOAD + "; split the data into several requests");
        }
        payload = payload.clone();
    }

    public Frame(FrameType type, int requestId, byte[] payload) {
        this(type.code(), requestId, payload);
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadLength() {
        return payload.length;
    }

    /** The payload itself, for the package's decoders, which never modify it. */
    byte[] payloadUnsafe() {
        return payload;
    }

    public boolean is(FrameType expected) {
        return type == expected.code();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Frame f && f.type == type && f.requestId == requestId
                && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type + requestId) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return FrameType.describe(type) + " id=" + Integer.toUnsignedString(requestId) + " len=" + payload.length;
    }
}
