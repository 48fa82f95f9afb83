package dev.kvmunit.vmm.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The rig wire format: {@code [u8 type][u32 request id][u32 payload length][payload]}, big
 * endian. The link is a reliable byte stream (virtio-serial over a Unix socket), so there is
 * no checksum; the length is bounded so a corrupt or hostile peer cannot make the reader
 * allocate without limit.
 */
public final class RigFrameCodec {
    /** Largest payload a frame may carry; bigger data (blobs) is sent in chunks. */
    public static final int MAX_PAYLOAD = 1 << 20;

    static final int HEADER_BYTES = 9;

    private RigFrameCodec() {
    }

    /** Writes one frame and flushes, so a frame never sits half-sent in a buffer. */
    public static void write(OutputStream out, RigFrame frame) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put((byte) frame.type().code()).putInt(frame.requestId()).putInt(frame.payload().length);
        out.write(header.array());
        out.write(frame.payload());
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or {@code null} when the stream ended cleanly between frames
     * @throws RigProtocolException for an unknown type, an oversized length or a stream that
     *                              ends inside a frame
     */
    public static RigFrame read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        byte[] rest = readFully(in, HEADER_BYTES - 1, "frame header");
        ByteBuffer header = ByteBuffer.wrap(rest);
        int requestId = header.getInt();
        int length = header.getInt();
        RigFrameType type = RigFrameType.ofCode(first);
        if (type == null) {
            throw new RigProtocolException("unknown rig frame type " + first + " (request " + requestId
                    + "): the two ends run different kvmunit versions or the link is corrupt");
        }
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new RigProtocolException(type + " frame announces " + Integer.toUnsignedString(length)
                    + " payload bytes, more than the limit of " + MAX_PAYLOAD);
        }
        return new RigFrame(type, requestId, readFully(in, length, type + " payload"));
    }

    private static byte[] readFully(InputStream in, int length, String what) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new RigProtocolException("rig link ended inside a frame: " + what + " has "
                    + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }
}
