package dev.kvmunit.internal.wire;

import java.util.Arrays;

/**
 * One frame of a kvmunit link (the guest agent channel or the nested rig link): type, request
 * id and payload. The type is kept as its raw code, so each protocol names its own types and a
 * frame of a type this side does not know can still be represented (and sent, in tests).
 *
 * @param type      type code, 0-255; each protocol has its own enum of codes
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

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadLength() {
        return payload.length;
    }

    /** The payload itself, for this package's codec and reader, which never modify it. */
    byte[] payloadUnsafe() {
        return payload;
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
        return String.format("0x%02x id=%s len=%d", type, Integer.toUnsignedString(requestId), payload.length);
    }
}
