package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RigLinkTest {
    @Test
    void framesRoundTripInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, RigFrame.text(RigFrameType.READY, 0, "engine=qemu"));
        write(out, new RigFrame(RigFrameType.CONSOLE, 7, new byte[]{1, 2, 3}));
        write(out, new RigFrame(RigFrameType.SHUTDOWN, -1, new byte[0]));
        RigLink reader = new RigLink(new ByteArrayInputStream(out.toByteArray()), OutputStream.nullOutputStream());

        RigFrame ready = reader.receive();
        RigFrame console = reader.receive();
        RigFrame shutdown = reader.receive();

        assertEquals(RigFrameType.READY, ready.type());
        assertEquals("engine=qemu", ready.text());
        assertEquals(7, console.requestId());
        assertArrayEquals(new byte[]{1, 2, 3}, console.payload());
        assertEquals(RigFrameType.SHUTDOWN, shutdown.type());
        assertEquals(-1, shutdown.requestId());
        assertNull(reader.receive(), "a clean end between frames reads as null");
    }

    @Test
    void frameTruncatedInHeaderOrPayloadIsAnError() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, new RigFrame(RigFrameType.CONSOLE, 3, new byte[100]));
        byte[] whole = out.toByteArray();

        ProtocolException inPayload = assertThrows(ProtocolException.class,
                () -> read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 1))));
        assertTrue(inPayload.getMessage().contains("99 of 100"), inPayload.getMessage());
        assertTrue(inPayload.getMessage().contains("rig link ended inside the payload of a CONSOLE frame"),
                inPayload.getMessage());
        assertThrows(ProtocolException.class,
                () -> read(new ByteArrayInputStream(Arrays.copyOf(whole, 5))));
    }

    @Test
    void unknownTypeIsRejected() {
        byte[] header = FrameCodec.encode(200, 1, new byte[0], FrameCodec.VERSION);

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> read(new ByteArrayInputStream(header)));
        assertTrue(e.getMessage().contains("200"), e.getMessage());
    }

    @Test
    void textFramesCarryStrictUtf8() {
        byte[] notUtf8 = new PayloadWriter().bytes(new byte[] {(byte) 0xC3, 0x28}).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> new RigFrame(RigFrameType.ERROR, 1, notUtf8).text());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void digestOfTheWrongLengthIsAProtocolError() {
        byte[] payload = new PayloadWriter().bytes(new byte[31]).u32(0).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class, () -> BootRequest.decode(payload));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
    }

    private static void write(OutputStream out, RigFrame frame) throws IOException {
        new RigLink(InputStream.nullInputStream(), out).send(frame);
    }

    private static RigFrame read(InputStream in) throws IOException {
        return new RigLink(in, OutputStream.nullOutputStream()).receive();
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

        ProtocolException e = assertThrows(ProtocolException.class, () -> BootRequest.decode(payload));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void bootRequestWithTrailingBytesIsRejected() {
        byte[] valid = new BootRequest(BlobDigest.of(filled(1)), List.of(), "", 1, 64, Duration.ofSeconds(1)).encode();

        assertThrows(ProtocolException.class, () -> BootRequest.decode(Arrays.copyOf(valid, valid.length + 1)));
    }

    @Test
    void resultRoundTripsAndRejectsTruncation() throws IOException {
        VmResult result = new VmResult(VmOutcome.PANIC, "Kernel panic - not syncing: boom",
                List.of("line one", "Kernel panic - not syncing: boom"), Duration.ofMillis(7300));

        byte[] encoded = ResultMessage.encode(result);

        assertEquals(result, ResultMessage.decode(encoded));
        assertThrows(ProtocolException.class,
                () -> ResultMessage.decode(Arrays.copyOf(encoded, encoded.length - 3)));
    }

    @Test
    void resultWithUnknownOutcomeIsRejected() {
        byte[] payload = new PayloadWriter().string("EXPLODED").string("").u32(0).u64(0).toByteArray();

        ProtocolException e = assertThrows(ProtocolException.class, () -> ResultMessage.decode(payload));
        assertTrue(e.getMessage().contains("EXPLODED"), e.getMessage());
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[BlobDigest.BYTES];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
