package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;

/** The EXEC request and EXIT reply payloads (PROTOCOL.md, "EXEC"), kept out of the API types. */
public final class ExecMessages {
    private static final int EXITED = 0;
    private static final int SIGNALED = 1;
    private static final int TIMED_OUT = 2;

    private ExecMessages() {
    }

    public static byte[] encode(ExecRequest request) {
        // Round sub-millisecond timeouts up: a tiny positive timeout must not mean "none".
        long timeoutMs = request.timeout().isZero() ? 0 : Math.max(1, request.timeout().toMillis());
        byte[] payload = new PayloadWriter()
                .u32((int) timeoutMs)
                .string(request.cwd())
                .strings(request.argv())
                .strings(request.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .bytes(request.stdin())
                .toByteArray();
        if (payload.length > FrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException("EXEC request of " + payload.length + " bytes exceeds the frame limit of "
                    + FrameCodec.MAX_PAYLOAD + "; write large input to a file with writeFile and redirect it");
        }
        return payload;
    }

    /** Builds the result from an EXIT payload: u8 kind, u32 exit status or signal number. */
    static ExecResult decodeExit(byte[] exitPayload, byte[] stdout, byte[] stderr, boolean outputTruncated)
            throws ProtocolException {
        PayloadReader in = new PayloadReader(exitPayload, "EXIT");
        int kind = in.u8("kind");
        int value = in.u32("value");
        in.end();
        return switch (kind) {
            case EXITED -> new ExecResult(value, 0, stdout, stderr, false, outputTruncated);
            case SIGNALED -> new ExecResult(-1, value, stdout, stderr, false, outputTruncated);
            case TIMED_OUT -> new ExecResult(-1, value, stdout, stderr, true, outputTruncated);
            default -> throw new ProtocolException("EXIT payload has unknown kind " + kind);
        };
    }
}
