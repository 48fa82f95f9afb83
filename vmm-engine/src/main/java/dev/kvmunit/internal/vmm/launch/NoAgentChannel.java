package dev.kvmunit.internal.vmm.launch;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The agent output of a guest that has no agent channel to write to, because it has ended or
 * because its VMM provides none: every write fails with the reason.
 */
public final class NoAgentChannel extends OutputStream {
    private final String reason;

    public NoAgentChannel(String reason) {
        this.reason = reason;
    }

    @Override
    public void write(int b) throws IOException {
        throw new IOException(reason);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException(reason);
    }
}
