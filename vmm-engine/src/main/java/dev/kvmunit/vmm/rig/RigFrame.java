package dev.kvmunit.vmm.rig;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One message on the rig link.
 *
 * @param type      what the payload means
 * @param requestId ties replies, console output and results to the request that caused them
 * @param payload   at most {@link RigFrameCodec#MAX_PAYLOAD} bytes
 */
public record RigFrame(RigFrameType type, int requestId, byte[] payload) {
    public RigFrame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (payload.length > RigFrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException(type + " payload of " + payload.length
                    + " bytes exceeds the frame limit of " + RigFrameCodec.MAX_PAYLOAD + "; split it");
        }
    }

    /** A frame whose payload is the UTF-8 bytes of {@code text}. */
    public static RigFrame text(RigFrameType type, int requestId, String text) {
        return new RigFrame(type, requestId, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload decoded as UTF-8 (READY and ERROR frames). */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
