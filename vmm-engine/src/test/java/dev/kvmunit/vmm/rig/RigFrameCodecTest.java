package dev.kvmunit.vmm.rig;

import dev.kvmunit.vmm.launch.VmOutcome;
import dev.kvmunit.vmm.launch.VmResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RigFrameCodecTest {
    @Test
    void framesRoundTripInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RigFrameCodec.write(out, RigFrame.text(RigFrameType.READY, 0, "engine=qemu"));
        RigFrameCodec.write(out, new RigFrame(RigFrameType.CONSOLE, 7, new byte[]{1, 2, 3}));
        RigFrameCodec.write(out, new RigFrame(RigFrameType.SHUTDOWN, -1, new byte[0]));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());

        RigFrame ready = RigFrameCodec.read(in);
        RigFrame console = RigFrameCodec.read(in);
        RigFrame shutdown = RigFrameCodec.read(in);

        assertEquals(RigFrameType.READY, ready.type());
        assertEquals("engine=qemu", ready.payloadText());
        assertEquals(7, console.requestId());
        assertArrayEquals(new byte[]{1, 2, 3}, console.payload());
        assertEquals(RigFrameType.SHUTDOWN, shutdown.type());
        assertEquals(-1, shutdown.requestId());
        assertNull(RigFrameCodec.read(in), "a clean end between frames reads as null");
    }

    @Test
    void headerIsTypeThenRequestIdThenLengthBigEndian() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RigFrameCodec.write(out, new RigFrame(RigFrameType.BOOT, 0x01020304, new byte[]{9}));

        assertArrayEquals(new byte[]{7, 1, 2, 3, 4, 0, 0, 0, 1, 9}, out.toByteArray());
    }

    @Test
    void oversizedLengthIsRejectedBeforeAllocating() {
        byte[] header = ByteBuffer.allocate(RigFrameCodec.HEADER_BYTES).put((byte) RigFrameType.CONSOLE.code())
                .putInt(1).putInt(RigFrameCodec.MAX_PAYLOAD + 1).array();

        RigProtocolException e = assertThrows(RigProtocolException.class,
                () -> RigFrameCodec.read(new ByteArrayInputStream(header)));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }

    @Test
    void negativeLengthIsRejected() {
        byte[] header = ByteBuffer.allocate(RigFrameCodec.HEADER_BYTES).put((byte) RigFrameType.CONSOLE.code())
                .putInt(1).putInt(-5).array();

        assertThrows(RigProtocolException.class, () -> RigFrameCodec.read(new ByteArrayInputStream(header)));
    }

    @Test
    void frameTruncatedInHeaderOrPayloadIsAnError() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RigFrameCodec.write(out, new RigFrame(RigFrameType.CONSOLE, 3, new byte[100]));
        byte[] whole = out.toByteArray();

        RigProtocolException inPayload = assertThrows(RigProtocolException.class,
                () -> RigFrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 1))));
        assertTrue(inPayload.getMessage().contains("99 of 100"), inPayload.getMessage());
        assertThrows(RigProtocolException.class,
                () -> RigFrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(whole, 5))));
    }

    @Test
    void unknownTypeIsRejected() {
        byte[] header = ByteBuffer.allocate(RigFrameCodec.HEADER_BYTES).put((byte) 200).putInt(1).putInt(0).array();

        RigProtocolException e = assertThrows(RigProtocolException.class,
                () -> RigFrameCodec.read(new ByteArrayInputStream(header)));
        assertTrue(e.getMessage().contains("200"), e.getMessage());
    }

    @Test
    void senderCannotBuildAnOversizedFrame() {
        assertThrows(IllegalArgumentException.class,
                () -> new RigFrame(RigFrameType.BLOB_CHUNK, 1, new byte[RigFrameCodec.MAX_PAYLOAD + 1]));
    }

    @Test
    void bootRequestRoundTrips() throws IOException {
        BlobDigest kernel = BlobDigest.of(filled(1));
        BlobDigest base = BlobDigest.of(filled(2));
        BlobDigest overlay = BlobDigest.of(filled(3));
        BootRequest request = new BootRequest(kernel, List.of(base, overlay), "console=ttyS0 quiet", 4, 512,
                Duration.ofSeconds(90));

        BootRequest decoded = BootRequest.decode(request.encode());

        assertEquals(request, decoded);
        assertEquals(Path.of("/blobs", kernel.hex()),
                decoded.toSpec(d -> Path.of("/blobs", d.hex())).kernel());
    }

    @Test
    void bootRequestWithImpossibleInitramfsCountIsRejected() {
        byte[] payload = new PayloadWriter().bytes(filled(1)).u32(1_000_000).toByteArray();

        RigProtocolException e = assertThrows(RigProtocolException.class, () -> BootRequest.decode(payload));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void bootRequestWithTrailingBytesIsRejected() {
        byte[] valid = new BootRequest(BlobDigest.of(filled(1)), List.of(), "", 1, 64, Duration.ofSeconds(1)).encode();

        assertThrows(RigProtocolException.class, () -> BootRequest.decode(Arrays.copyOf(valid, valid.length + 1)));
    }

    @Test
    void resultRoundTripsAndRejectsTruncation() throws IOException {
        VmResult result = new VmResult(VmOutcome.PANIC, "Kernel panic - not syncing: boom",
                List.of("line one", "Kernel panic - not syncing: boom"), Duration.ofMillis(7300));

        byte[] encoded = ResultMessage.encode(result);

        assertEquals(result, ResultMessage.decode(encoded));
        assertThrows(RigProtocolException.class,
                () -> ResultMessage.decode(Arrays.copyOf(encoded, encoded.length - 3)));
    }

    @Test
    void resultWithUnknownOutcomeIsRejected() {
        byte[] payload = new PayloadWriter().string("EXPLODED").string("").u32(0).u64(0).toByteArray();

        RigProtocolException e = assertThrows(RigProtocolException.class, () -> ResultMessage.decode(payload));
        assertTrue(e.getMessage().contains("EXPLODED"), e.getMessage());
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[BlobDigest.BYTES];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
