package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.ProtocolException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One end of the rig link: {@link RigFrame}s as wire frames. Sending is synchronized because
 * console output of a running guest is sent from VMM threads while the serving thread sends
 * replies; receiving is done by one thread only.
 */
final class RigLink {
    static final FrameCodec CODEC = new FrameCodec("rig link", RigFrameType::describe);

    private final InputStream in;
    private final OutputStream out;

    RigLink(InputStream in, OutputStream out) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.out = new BufferedOutputStream(out, 1 << 16);
    }

    synchronized void send(RigFrame frame) throws IOException {
        FrameCodec.write(out, new Frame(frame.type().code(), frame.requestId(), frame.payload()));
    }

    /** The next frame, or {@code null} when the peer closed the link. */
    RigFrame receive() throws IOException {
        Frame frame = CODEC.read(in);
        if (frame == null) {
            return null;
        }
        RigFrameType type = RigFrameType.ofCode(frame.type());
        if (type == null) {
            throw new ProtocolException("unknown rig frame type " + frame.type() + " (request "
                    + Integer.toUnsignedString(frame.requestId()) + "): the link is corrupt");
        }
        return new RigFrame(type, frame.requestId(), frame.payload());
    }
}
