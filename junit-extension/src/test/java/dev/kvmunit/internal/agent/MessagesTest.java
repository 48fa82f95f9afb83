package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.ProtocolException;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Payload layouts of the messages, byte for byte, and their validation. */
class MessagesTest {

    @Test
    void execPayloadLayout() {
        byte[] payload = ExecMessages.encode(ExecRequest.of("ls", "-l").withEnv("A", "b").withCwd("/t").withStdin("in")
                .withTimeout(Duration.ofSeconds(2)));
        ByteBuffer expected = ByteBuffer.allocate(payload.length)
                .putInt(2000)
                .putInt(2).put(bytes("/t"))
                .putInt(2).putInt(2).put(bytes("ls")).putInt(2).put(bytes("-l"))
                .putInt(1).putInt(3).put(bytes("A=b"))
                .putInt(2).put(bytes("in"));
        assertEquals(0, expected.remaining());
        assertArrayEquals(expected.array(), payload);
    }

    @Test
    void subMillisecondTimeoutsDoNotTurnIntoNoTimeout() {
        byte[] payload = ExecMessages.encode(ExecRequest.of("true").withTimeout(Duration.ofNanos(1)));
        assertEquals(1, ByteBuffer.wrap(payload).getInt(0));
        assertEquals(0, ByteBuffer.wrap(ExecMessages.encode(ExecRequest.of("true"))).getInt(0));
    }

    @Test
    void execRequestsTheGuestCannotRunAreRejectedUpFront() {
        assertThrows(IllegalArgumentException.class, ExecRequest::of);
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of(""));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("echo", "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("env").withEnv("A=B", "c"));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("env").withEnv("", "c"));
        assertThrows(IllegalArgumentException.class, () -> ExecRequest.of("true").withTimeout(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class,
                () -> ExecRequest.of("true").withTimeout(ExecRequest.MAX_TIMEOUT.plusMillis(1)));
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> ExecMessages.encode(ExecRequest.of("cat").withStdin(new byte[FrameCodec.MAX_PAYLOAD])));
        assertTrue(tooBig.getMessage().contains("writeFile"), tooBig.getMessage());
    }

    @Test
    void execRequestIsImmutable() {
        byte[] stdin = {1};
        ExecRequest request = new ExecRequest(List.of("cat"), Map.of(), "", stdin, Duration.ZERO);
        stdin[0] = 2;
        request.stdin()[0] = 3;
        assertArrayEquals(new byte[] {1}, request.stdin());
        assertThrows(UnsupportedOperationException.class, () -> request.env().put("X", "y"));
    }

    @Test
    void helloDecodesAndRejectsShortOrLongPayloads() throws ProtocolException {
        byte[] payload = ByteBuffer.allocate(4 + 4 + 4 + 8 + 4 + 7 + 4)
                .putInt(4).put(bytes("6.12")).putInt(4).putLong(1L << 30).putInt(7).put(bytes("enabled"))
                .putInt(FrameCodec.MAX_PAYLOAD).array();
        assertEquals(new Hello("6.12", 4, 1L << 30, "enabled", FrameCodec.MAX_PAYLOAD), Hello.decode(payload));

        ProtocolException shortPayload = assertThrows(ProtocolException.class,
                () -> Hello.decode(Arrays.copyOf(payload, payload.length - 1)));
        assertTrue(shortPayload.getMessage().contains("before its max payload field"), shortPayload.getMessage());
        assertThrows(ProtocolException.class, () -> Hello.decode(Arrays.copyOf(payload, payload.length + 1)));
        byte[] lyingLength = payload.clone();
        ByteBuffer.wrap(lyingLength).putInt(0, Integer.MAX_VALUE);
        ProtocolException lying = assertThrows(ProtocolException.class, () -> Hello.decode(lyingLength));
        assertTrue(lying.getMessage().contains("kernel release claims"), lying.getMessage());
    }

    @Test
    void invalidUtf8FromTheGuestIsRejected() {
        byte[] payload = ByteBuffer.allocate(13).putInt(4).putInt(0).putInt(1).put((byte) 0xC3).array();
        ProtocolException e = assertThrows(ProtocolException.class, () -> GuestException.decode(payload));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void exitPayloadsBecomeResults() throws ProtocolException {
        byte[] out = bytes("o");
        ExecResult exited = ExecMessages.decodeExit(new byte[] {0, 0, 0, 0, 7}, out, new byte[0], false);
        assertEquals(7, exited.exitCode());
        assertEquals(0, exited.signal());
        ExecResult signaled = ExecMessages.decodeExit(new byte[] {1, 0, 0, 0, 11}, out, new byte[0], false);
        assertEquals(-1, signaled.exitCode());
        assertEquals(11, signaled.signal());
        ExecResult timedOut = ExecMessages.decodeExit(new byte[] {2, 0, 0, 0, 9}, out, new byte[0], true);
        assertTrue(timedOut.timedOut() && timedOut.outputTruncated());
        assertThrows(ProtocolException.class, () -> ExecMessages.decodeExit(new byte[] {3, 0, 0, 0, 0}, out, out, false));
        assertThrows(ProtocolException.class, () -> ExecMessages.decodeExit(new byte[] {0, 0}, out, out, false));
    }

    @Test
    void errorPayloadsKeepCodeErrnoAndMessage() throws ProtocolException {
        byte[] message = bytes("cannot open '/x'");
        byte[] payload = ByteBuffer.allocate(12 + message.length).putInt(10).putInt(2).putInt(message.length)
                .put(message).array();
        GuestException e = GuestException.decode(payload);
        assertEquals(ErrorCode.IO, e.code());
        assertEquals(2, e.errno());
        assertTrue(e.getMessage().endsWith("cannot open '/x'"), e.getMessage());
        byte[] future = payload.clone();
        ByteBuffer.wrap(future).putInt(0, 999);
        GuestException unknown = GuestException.decode(future);
        assertEquals(ErrorCode.UNRECOGNIZED, unknown.code());
        assertEquals(999, unknown.rawCode());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
