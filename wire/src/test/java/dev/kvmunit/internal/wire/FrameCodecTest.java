package dev.kvmunit.internal.wire;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static final FrameCodec CODEC = new FrameCodec("test link", type -> String.format("0x%02x", type));


    @Test
    void headerLayoutIsBigEndianWithCrcOverHeaderAndPayload() {
        byte[] bytes = FrameCodec.encode(new Frame(0x01, 0x01020304, new byte[] {'a', 'b', 'c'}));
        byte[] expectedStart = {0x4B, 0x55, 0x01, 0x01, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x03};
        assertArrayEquals(expectedStart, Arrays.copyOf(bytes, 12));
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 12);
        crc.update(new byte[] {'a', 'b', 'c'});
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(bytes).getInt(12));
        assertEquals(0x862BE482, ByteBuffer.wrap(bytes).getInt(12), "the example in PROTOCOL.md");
        assertArrayEquals(new byte[] {'a', 'b', 'c'}, Arrays.copyOfRange(bytes, 16, 19));
        assertEquals(19, bytes.length);
    }

    @Test
    void framesRoundTripBackToBackAndEndCleanly() throws IOException {
        Frame first = new Frame(0x83, 7, "hello".getBytes());
        Frame second = new Frame(0xEE, -1, new byte[0]); // unknown type, id 0xFFFFFFFF
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, first);
        FrameCodec.write(out, second);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(first, CODEC.read(in));
        assertEquals(second, CODEC.read(in));
        assertNull(CODEC.read(in));
        assertThrows(EOFException.class, () -> CODEC.readRequired(in));
    }

    @Test
    void streamEndingInsideAFrameIsAProtocolError() {
        byte[] bytes = FrameCodec.encode(new Frame(0x81, 1, new byte[10]));
        ProtocolException header = assertThrows(ProtocolException.class, () -> read(Arrays.copyOf(bytes, 9)));
        assertTrue(header.getMessage().contains("inside a frame header (9 of 16 bytes)"), header.getMessage());
        ProtocolException payload = assertThrows(ProtocolException.class, () -> read(Arrays.copyOf(bytes, 20)));
        assertTrue(payload.getMessage().contains("inside the payload of a 0x81 frame (4 of 10 bytes)"),
                payload.getMessage());
    }

    @Test
    void corruptHeadersAreRejectedWithTheReason() {
        byte[] good = FrameCodec.encode(new Frame(0x80, 0, new byte[4]));

        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertMessage("not the magic 0x4b55", badMagic);

        byte[] badVersion = FrameCodec.encode(0x80, 0, new byte[4], 9);
        assertMessage("protocol version 9", badVersion);

        byte[] oversized = good.clone();
        ByteBuffer.wrap(oversized).putInt(8, 0xFFFF_FFF0); // would be ~4 GiB: must not be allocated
        assertMessage("payload of 4294967280 bytes", oversized);

        byte[] badCrc = good.clone();
        badCrc[good.length - 1] ^= 0x40;
        assertMessage("0x80 frame has CRC32", badCrc);

        byte[] corruptedId = good.clone();
        corruptedId[5] ^= 0x01; // the CRC covers the header too
        assertMessage("CRC32", corruptedId);
    }

    @Test
    void framesRejectPayloadsAndTypesTheWireCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> new Frame(256, 1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(-1, 1, new byte[0]));
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> new Frame(0x83, 1, new byte[FrameCodec.MAX_PAYLOAD + 1]));
        assertTrue(tooBig.getMessage().contains("exceeds the maximum"), tooBig.getMessage());
        assertEquals(FrameCodec.MAX_PAYLOAD, new Frame(0x83, 1, new byte[FrameCodec.MAX_PAYLOAD])
                .payloadLength());
    }

    @Test
    void framePayloadCannotBeChangedFromOutside() {
        byte[] payload = {1, 2, 3};
        Frame frame = new Frame(0x83, 1, payload);
        payload[0] = 9;
        frame.payload()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, frame.payload());
    }

    private static Frame read(byte[] bytes) throws IOException {
        return CODEC.read(new ByteArrayInputStream(bytes));
    }

    private static void assertMessage(String expected, byte[] bytes) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> read(bytes));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
