package dev.kvmunit.internal.wire;

import java.io.IOException;

/** Bytes on a kvmunit link that break its protocol: a bad frame or a malformed payload. */
public class ProtocolException extends IOException {
    public ProtocolException(String message) {
        super(message);
    }
}
