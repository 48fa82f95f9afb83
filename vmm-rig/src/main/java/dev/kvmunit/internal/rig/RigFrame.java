package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import java.util.Objects;

/**
 * One message on the rig link, with its type named; {@link RigLink} carries it as a wire frame.
 *
 * @param type      what the payload means
 * @param requestId ties replies, console output and results to the request that caused them
 * @param payload   at most {@link dev.kvmunit.internal.wire.FrameCodec#MAX_PAYLOAD} bytes
 */
public record RigFrame(RigFrameType type, int requestId, byte[] payload) {
    public RigFrame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    /** A frame whose payload is one string (READY and ERROR frames). */
    public static RigFrame text(RigFrameType type, int requestId, String text) {
        return new RigFrame(type, requestId, new PayloadWriter().string(text).toByteArray());
    }

    /** The string of a READY or ERROR frame. */
    public String text() throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, type.name());
        String text = in.string("text");
        in.end();
        return text;
    }
}
