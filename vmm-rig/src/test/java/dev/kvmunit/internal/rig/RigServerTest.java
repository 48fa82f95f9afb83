package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;

import dev.kvmunit.internal.vmm.launch.AgentInbox;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The L1 side of the protocol over in-memory pipes: blob caching, digest verification, BOOT
 * with console forwarding, errors. The launcher is a recording stand-in for the engine seam.
 */
class RigServerTest {
    @TempDir
    Path dir;

    private final AtomicReference<VmSpec> booted = new AtomicReference<>();
    private RigLink host;
    private Thread server;

    @BeforeEach
    void startServer() throws IOException {
        PipedOutputStream hostOut = new PipedOutputStream();
        PipedInputStream serverIn = new PipedInputStream(hostOut, 1 << 20);
        PipedOutputStream serverOut = new PipedOutputStream();
        PipedInputStream hostIn = new PipedInputStream(serverOut, 1 << 20);
        host = new RigLink(hostIn, hostOut);
        VmLauncher launcher = (spec, listener) -> {
            booted.set(spec);
            listener.onConsole("hello from L2\n".getBytes(StandardCharsets.UTF_8));
            return new EchoGuest();
        };
        RigServer rigServer = new RigServer(new RigLink(serverIn, serverOut), launcher,
                new BlobStore(dir.resolve("blobs")));
        server = new Thread(() -> {
            try {
                rigServer.serve("test");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        server.start();
        assertEquals(RigFrameType.READY, host.receive().type());
    }

    @AfterEach
    void stopServer() throws Exception {
        host.send(new RigFrame(RigFrameType.SHUTDOWN, 0, new byte[0]));
        server.join(10_000);
        assertFalse(server.isAlive(), "the server must stop on SHUTDOWN");
    }

    @Test
    void storedBlobIsReportedPresentAndBootsWithConsoleAgentAndResult() throws IOException {
        byte[] kernel = "not really a kernel".getBytes(StandardCharsets.UTF_8);
        BlobDigest digest = BlobDigest.of(BlobDigest.sha256().digest(kernel));
        assertEquals(0, haveBlob(1, digest));

        host.send(putBlob(2, digest, kernel.length));
        host.send(new RigFrame(RigFrameType.BLOB_CHUNK, 2, kernel));
        assertEquals(RigFrameType.BLOB_STORED, host.receive().type());
        assertEquals(1, haveBlob(3, digest));

        BootRequest request = new BootRequest(digest, List.of(), "console=ttyS0", 2, 128, Duration.ofSeconds(30));
        host.send(new RigFrame(RigFrameType.BOOT, 4, request.encode()));
        RigFrame console = host.receive();
        assertEquals(RigFrameType.CONSOLE, console.type());
        assertEquals(4, console.requestId());
        assertEquals("hello from L2\n", new String(console.payload(), StandardCharsets.UTF_8));
        assertEquals(RigFrameType.STARTED, host.receive().type());

        host.send(new RigFrame(RigFrameType.AGENT_TO_GUEST, 4, "ping".getBytes(StandardCharsets.UTF_8)));
        RigFrame echo = host.receive();
        assertEquals(RigFrameType.AGENT_FROM_GUEST, echo.type());
        assertEquals(4, echo.requestId());
        assertEquals("PING", new String(echo.payload(), StandardCharsets.UTF_8));

        host.send(new RigFrame(RigFrameType.STOP, 4, new byte[0]));
        RigFrame result = host.receive();
        assertEquals(RigFrameType.RESULT, result.type());
        assertEquals(4, result.requestId());
        assertEquals(VmOutcome.CLEAN_EXIT, ResultMessage.decode(result.payload()).outcome());
        assertArrayEquals(kernel, Files.readAllBytes(booted.get().kernel()));
        assertEquals(2, booted.get().cpus());
    }

    @Test
    void blobThatDoesNotMatchItsDigestIsRefusedAndNotStored() throws IOException {
        BlobDigest claimed = BlobDigest.of(BlobDigest.sha256().digest(new byte[]{1}));
        host.send(putBlob(5, claimed, 1));
        host.send(new RigFrame(RigFrameType.BLOB_CHUNK, 5, new byte[]{2}));

        RigFrame reply = host.receive();

        assertEquals(RigFrameType.ERROR, reply.type());
        assertTrue(reply.text().contains("corrupted"), reply.text());
        assertEquals(0, haveBlob(6, claimed));
    }

    @Test
    void bootWithUnsentKernelIsAnErrorAndTheServerKeepsServing() throws IOException {
        BlobDigest missing = BlobDigest.of(new byte[BlobDigest.BYTES]);
        BootRequest request = new BootRequest(missing, List.of(), "", 1, 64, Duration.ofSeconds(5));
        host.send(new RigFrame(RigFrameType.BOOT, 7, request.encode()));

        RigFrame reply = host.receive();

        assertEquals(RigFrameType.ERROR, reply.type());
        assertEquals(7, reply.requestId());
        assertTrue(reply.text().contains("never sent"), reply.text());
        assertEquals(0, haveBlob(8, missing), "the server still answers after an error");
    }

    /** A stand-in guest whose agent answers every write upper-cased, until it is stopped. */
    private static final class EchoGuest implements RunningVm {
        private final AgentInbox fromAgent = new AgentInbox();
        private final CountDownLatch stopped = new CountDownLatch(1);

        @Override
        public InputStream fromAgent() {
            return fromAgent;
        }

        @Override
        public OutputStream toAgent() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    fromAgent.deliver(new byte[] {(byte) Character.toUpperCase(b)});
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    String text = new String(b, off, len, StandardCharsets.UTF_8);
                    fromAgent.deliver(text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
                }
            };
        }

        @Override
        public VmResult awaitExit() {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new VmResult(VmOutcome.CLEAN_EXIT, "done", List.of("hello from L2"), Duration.ofSeconds(1));
        }

        @Override
        public void close() {
            fromAgent.end();
            stopped.countDown();
        }
    }

    private int haveBlob(int id, BlobDigest digest) throws IOException {
        host.send(new RigFrame(RigFrameType.HAVE_BLOB, id,
                new PayloadWriter().bytes(digest.toByteArray()).toByteArray()));
        RigFrame status = host.receive();
        assertEquals(RigFrameType.BLOB_STATUS, status.type());
        assertEquals(id, status.requestId());
        return new PayloadReader(status.payload(), "BLOB_STATUS").u8("present");
    }

    private static RigFrame putBlob(int id, BlobDigest digest, long size) {
        return new RigFrame(RigFrameType.PUT_BLOB, id,
                new PayloadWriter().bytes(digest.toByteArray()).u64(size).toByteArray());
    }
}
