package dev.kvmunit.guest;

import java.io.IOException;

/** Bytes on the agent channel that break the protocol: a bad frame or a malformed payload. */
public class ProtocolException extends IOException {
    public ProtocolException(String message) {
        super(message);
    }
}
