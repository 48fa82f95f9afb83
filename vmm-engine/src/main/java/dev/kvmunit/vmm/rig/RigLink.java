package dev.kvmunit.vmm.rig;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One end of the rig link. Sending is synchronized because console output of a running guest
 * is sent from VMM threads while the serving thread sends replies; receiving is done by one
 * thread only.
 */
final class RigLink {
    private final InputStream in;
    private final OutputStream out;

    RigLink(InputStream in, OutputStream out) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.out = new BufferedOutputStream(out, 1 << 16);
    }

    synchronized void send(RigFrame frame) throws IOException {
        RigFrameCodec.write(out, frame);
    }

    /** The next frame, or {@code null} when the peer closed the link. */
    RigFrame receive() throws IOException {
        return RigFrameCodec.read(in);
    }
}
