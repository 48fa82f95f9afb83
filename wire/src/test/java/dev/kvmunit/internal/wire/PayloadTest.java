package dev.kvmunit.internal.wire;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadTest {

    @Test
    void everyFieldRoundTripsBigEndian() throws ProtocolException {
        byte[] payload = new PayloadWriter().u8(0xFE).u32(0x01020304).u64(-2L).bytes(new byte[] {9, 8})
                .string("grüße").strings(List.of("a", "")).toByteArray();

        assertArrayEquals(new byte[] {(byte) 0xFE, 1, 2, 3, 4}, Arrays.copyOf(payload, 5));
        PayloadReader in = new PayloadReader(payload, "TEST");
        assertEquals(0xFE, in.u8("kind"));
        assertEquals(0x01020304, in.u32("value"));
        assertEquals(-2L, in.u64("size"));
        assertArrayEquals(new byte[] {9, 8}, in.bytes("data"));
        assertEquals("grüße", in.string("name"));
        assertEquals(2, in.count(4, "argument"));
        assertEquals("a", in.string("argument"));
        assertEquals("", in.string("argument"));
        in.end();
    }

    @Test
    void aLengthBeyondThePayloadIsRefusedBeforeAllocating() {
        byte[] payload = new PayloadWriter().u32(0xFFFF_FFF0).u8(1).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new PayloadReader(payload, "READ_FILE").bytes("content"));
        assertEquals("READ_FILE payload: content claims 4294967280 bytes but only 1 remain", e.getMessage());
    }

    @Test
    void stringsMustBeValidUtf8() {
        byte[] payload = new PayloadWriter().bytes(new byte[] {(byte) 0xC3, 0x28}).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new PayloadReader(payload, "HELLO").string("release"));
        assertEquals("HELLO payload: release is not valid UTF-8", e.getMessage());
    }

    @Test
    void aCountThatCannotFitIsRefused() {
        byte[] payload = new PayloadWriter().u32(1_000_000).u32(0).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new PayloadReader(payload, "BOOT").count(36, "initramfs digest"));
        assertTrue(e.getMessage().contains("initramfs digest count 1000000 does not fit"), e.getMessage());
    }

    @Test
    void truncatedAndTrailingBytesNameTheField() {
        ProtocolException truncated = assertThrows(ProtocolException.class,
                () -> new PayloadReader(new byte[] {0, 0}, "EXIT").u32("status"));
        assertEquals("EXIT payload ends before its status field", truncated.getMessage());

        PayloadReader in = new PayloadReader(new byte[] {1, 2}, "EXIT");
        ProtocolException trailing = assertThrows(ProtocolException.class, in::end);
        assertEquals("EXIT payload has 2 unexpected trailing bytes", trailing.getMessage());
    }

    @Test
    void aFrameIsReadWithoutCopyingItsPayload() throws ProtocolException {
        Frame frame = new Frame(0x85, 1, new PayloadWriter().u8(0).u32(7).toByteArray());

        PayloadReader in = new PayloadReader(frame, "EXIT");
        assertEquals(0, in.u8("kind"));
        assertEquals(7, in.u32("value"));
        in.end();
    }
}
