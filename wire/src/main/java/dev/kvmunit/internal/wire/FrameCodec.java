package dev.kvmunit.internal.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.function.IntFunction;
import java.util.zip.CRC32;

/**
 * Encodes and decodes frames (guest-init's PROTOCOL.md, "Framing"): a 16-byte big-endian header
 * {@code magic "KU", version, type, request id, payload length, CRC32} followed by the payload.
 * The CRC32 (IEEE, {@link CRC32}) covers the first 12 header bytes and the payload. Every length
 * comes from the peer and is bounded before anything is allocated.
 */
public final class FrameCodec {
    public static final int MAGIC = 0x4B55;
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 16;
    public static final int MAX_PAYLOAD = 1024 * 1024;

    private final String link;
    private final IntFunction<String> typeNames;

    /**
     * @param link      what the frames travel over, for error messages ("agent channel", "rig link")
     * @param typeNames the protocol's name for a type code, for error messages
     */
    public FrameCodec(String link, IntFunction<String> typeNames) {
        this.link = link;
        this.typeNames = typeNames;
    }

    public static byte[] encode(Frame frame) {
        return encode(frame.type(), frame.requestId(), frame.payloadUnsafe(), VERSION);
    }

    /**
     * Encodes with any version byte and no length check, so tests can produce what a mismatched
     * or hostile peer would send.
     */
    public static byte[] encode(int type, int requestId, byte[] payload, int version) {
        ByteBuffer out = ByteBuffer.allocate(HEADER_SIZE + payload.length);
        out.putShort((short) MAGIC).put((byte) version).put((byte) type).putInt(requestId).putInt(payload.length);
        out.putInt((int) crc(out.array(), payload));
        out.put(payload);
        return out.array();
    }

    /** Writes one frame and flushes, so a frame never sits half-sent in a buffer. */
    public static void write(OutputStream out, Frame frame) throws IOException {
        out.write(encode(frame));
        out.flush();
    }

    /**
     * Reads the next frame.
     *
     * @return the frame, or null when the stream ends cleanly between frames
     * @throws ProtocolException when the bytes are not a valid frame, or the stream ends inside one
     */
    public Frame read(InputStream in) throws IOException {
        byte[] header = new byte[HEADER_SIZE];
        int got = in.readNBytes(header, 0, HEADER_SIZE);
        if (got == 0) {
            return null;
        }
        if (got < HEADER_SIZE) {
            throw new ProtocolException(link + " ended inside a frame header (" + got + " of " + HEADER_SIZE
                    + " bytes)");
        }
        ByteBuffer h = ByteBuffer.wrap(header);
        int magic = Short.toUnsignedInt(h.getShort());
        int version = Byte.toUnsignedInt(h.get());
        int type = Byte.toUnsignedInt(h.get());
        int requestId = h.getInt();
        long length = Integer.toUnsignedLong(h.getInt());
        long expectedCrc = Integer.toUnsignedLong(h.getInt());
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("%s frame starts with 0x%04x, not the magic 0x%04x", link,
                    magic, MAGIC));
        }
        if (version != VERSION) {
            throw new ProtocolException(link + " frame has protocol version " + version + ", this side speaks "
                    + VERSION + ": the two ends run different kvmunit versions");
        }
        if (length > MAX_PAYLOAD) {
            throw new ProtocolException(typeNames.apply(type) + " frame announces a payload of " + length
                    + " bytes, more than the maximum " + MAX_PAYLOAD);
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new ProtocolException(link + " ended inside the payload of a " + typeNames.apply(type)
                    + " frame (" + payload.length + " of " + length + " bytes)");
        }
        long actualCrc = crc(header, payload);
        if (actualCrc != expectedCrc) {
            throw new ProtocolException(String.format("%s frame has CRC32 0x%08x but its bytes give 0x%08x",
                    typeNames.apply(type), expectedCrc, actualCrc));
        }
        return new Frame(type, requestId, payload);
    }

    /** Like {@link #read} but a clean end of stream is an error too. */
    public Frame readRequired(InputStream in) throws IOException {
        Frame frame = read(in);
        if (frame == null) {
            throw new EOFException(link + " closed");
        }
        return frame;
    }

    private static long crc(byte[] header, byte[] payload) {
        CRC32 crc = new CRC32();
        crc.update(header, 0, 12);
        crc.update(payload);
        return crc.getValue();
    }
}
