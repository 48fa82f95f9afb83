package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.junit.ExecResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over one socket the reader thread sits in a blocking read while requests are written; with
 * the JDK's channel streams that deadlocks, so this would time out if GuestAgent.over used them.
 */
// A deadlocked write cannot be interrupted: the timeout must run the test on its own thread.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GuestAgentOverChannelTest {
    private static final int REQUESTS = 3;

    @Test
    void requestsGoOutWhileTheReaderWaits(@TempDir Path tempDir) throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(tempDir.resolve("agent.sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> answerExecs(server));
            try (SocketChannel socket = SocketChannel.open(address);
                 GuestAgent agent = GuestAgent.over(socket, Transcript.NONE)) {
                // after each reply the reader thread goes straight back to a blocking read, so
                // the next request is written while it waits
                assertEquals("scripted", agent.hello().kernelRelease());
                for (int i = 0; i < REQUESTS; i++) {
                    ExecResult result = agent.exec("echo", "over a socket");
                    assertEquals("over a socket\n", result.stdoutText());
                    assertTrue(result.succeeded());
                }
            }
            guest.get();
        }
    }

    /** A scripted guest on the server side: says HELLO, then answers each EXEC. */
    private static void answerExecs(ServerSocketChannel server) {
        try (SocketChannel socket = server.accept()) {
            // The scripted side never reads and writes at once, so the JDK streams are fine here.
            InputStream in = Channels.newInputStream(socket);
            OutputStream out = Channels.newOutputStream(socket);
            byte[] hello = ByteBuffer.allocate(4 + 8 + 4 + 8 + 4 + 4).putInt(8)
                    .put("scripted".getBytes(StandardCharsets.US_ASCII)).putInt(1).putLong(1).putInt(0)
                    .putInt(FrameCodec.MAX_PAYLOAD).array();
            FrameCodec.write(out, FrameType.HELLO.frame(0, hello));
            for (int i = 0; i < REQUESTS; i++) {
                Frame request = FrameType.CODEC.readRequired(in);
                assertTrue(FrameType.EXEC.matches(request), "expected EXEC, got " + request);
                FrameCodec.write(out, FrameType.STDOUT.frame(request.requestId(),
                        "over a socket\n".getBytes(StandardCharsets.UTF_8)));
                FrameCodec.write(out, FrameType.EXIT.frame(request.requestId(), new byte[5]));
            }
            FrameType.CODEC.read(in); // wait for the client to close
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
