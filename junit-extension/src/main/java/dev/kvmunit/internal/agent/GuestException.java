package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.PayloadReader;

import dev.kvmunit.internal.wire.ProtocolException;

import java.io.IOException;

/** The guest answered a request with an ERROR frame. */
public class GuestException extends IOException {
    private final ErrorCode code;
    private final int rawCode;
    private final int errno;

    GuestException(int rawCode, int errno, String message) {
        super(message);
        this.code = ErrorCode.of(rawCode);
        this.rawCode = rawCode;
        this.errno = errno;
    }

    public ErrorCode code() {
        return code;
    }

    /** The code as sent, meaningful when {@link #code()} is {@link ErrorCode#UNRECOGNIZED}. */
    public int rawCode() {
        return rawCode;
    }

    /** The guest's errno for the failure, 0 when the error has none. */
    public int errno() {
        return errno;
    }

    static GuestException decode(byte[] payload) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, "ERROR");
        int code = in.u32("code");
        int errno = in.u32("errno");
        String message = in.string("message");
        in.end();
        return new GuestException(code, errno, ErrorCode.of(code) + (errno != 0 ? " (errno " + errno + ")" : "")
                + ": " + message);
    }
}
