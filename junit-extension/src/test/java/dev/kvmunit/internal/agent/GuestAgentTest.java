package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.ProtocolException;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client against a scripted peer that misbehaves in ways the real init does not: the host
 * must turn every such guest fault into a failed call, never a hang or a dead reader.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuestAgentTest {
    private static final int PIPE_SIZE = 4 * 1024 * 1024;

    private PipedOutputStream guestWrites;
    private PipedInputStream guestReads;
    private GuestAgent agent;

    @BeforeEach
    void connect() throws IOException {
        guestWrites = new PipedOutputStream();
        PipedInputStream agentReads = new PipedInputStream(guestWrites, PIPE_SIZE);
        PipedOutputStream agentWrites = new PipedOutputStream();
        guestReads = new PipedInputStream(agentWrites, PIPE_SIZE);
        agent = new GuestAgent(agentReads, agentWrites);
    }

    @AfterEach
    void disconnect() throws IOException {
        agent.close();
    }

    @Test
    void corruptFrameFromTheGuestFailsWaitingCalls() throws Exception {
        CompletableFuture<ExecResult> pending = agent.execAsync(ExecRequest.of("true"), null);
        int id = nextRequest().requestId();
        byte[] bad = FrameCodec.encode(FrameType.EXIT.frame(id, new byte[5]));
        bad[bad.length - 1] ^= 1;
        guestWrites.write(bad);
        guestWrites.flush();
        ExecutionException e = assertThrows(ExecutionException.class, pending::get);
        assertInstanceOf(ProtocolException.class, e.getCause());
        IOException later = assertThrows(IOException.class, () -> agent.exec("true"));
        assertTrue(later.getMessage().contains("CRC32"), later.getMessage());
    }

    @Test
    void guestClosingTheChannelFailsWaitingCallsWithEof() throws Exception {
        CompletableFuture<ExecResult> pending = agent.execAsync(ExecRequest.of("sleep", "1"), null);
        nextRequest();
        guestWrites.close();
        ExecutionException e = assertThrows(ExecutionException.class, pending::get);
        assertInstanceOf(EOFException.class, e.getCause());
        assertThrows(EOFException.class, agent::hello);
    }

    @Test
    void powerOffCountsTheChannelClosingAsDone() throws Exception {
        CompletableFuture<Void> off = CompletableFuture.runAsync(() -> {
            try {
                agent.powerOff();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(FrameType.POWER_OFF.matches(nextRequest()));
        guestWrites.close();
        off.get();
    }

    @Test
    void malformedReplyOrThrowingListenerFailsOnlyItsOwnCall() throws Exception {
        CompletableFuture<ExecResult> badReply = agent.execAsync(ExecRequest.of("a"), null);
        int badId = nextRequest().requestId();
        CompletableFuture<ExecResult> badListener = agent.execAsync(ExecRequest.of("b"), (stream, chunk) -> {
            throw new IllegalStateException("listener bug");
        });
        int listenerId = nextRequest().requestId();
        CompletableFuture<ExecResult> good = agent.execAsync(ExecRequest.of("c"), null);
        int goodId = nextRequest().requestId();

        reply(FrameType.FILE_DATA.frame(badId, new byte[1])); // wrong type for an EXEC
        reply(FrameType.STDOUT.frame(listenerId, "x".getBytes(StandardCharsets.UTF_8)));
        reply(FrameType.STDOUT.frame(goodId, "fine".getBytes(StandardCharsets.UTF_8)));
        reply(FrameType.EXIT.frame(goodId, new byte[] {0, 0, 0, 0, 0}));

        assertInstanceOf(ProtocolException.class, assertThrows(ExecutionException.class, badReply::get).getCause());
        assertInstanceOf(IllegalStateException.class,
                assertThrows(ExecutionException.class, badListener::get).getCause());
        assertEquals("fine", good.get().stdoutText());
    }

    @Test
    void errorReplyBecomesAGuestException() throws Exception {
        CompletableFuture<ExecResult> pending = agent.execAsync(ExecRequest.of("x"), null);
        int id = nextRequest().requestId();
        byte[] message = "no".getBytes(StandardCharsets.UTF_8);
        reply(FrameType.ERROR.frame(id, ByteBuffer.allocate(14).putInt(ErrorCode.BUSY.code()).putInt(0)
                .putInt(2).put(message).array()));
        GuestException e = assertInstanceOf(GuestException.class,
                assertThrows(ExecutionException.class, pending::get).getCause());
        assertEquals(ErrorCode.BUSY, e.code());
    }

    @Test
    void signalToACommandTheGuestNoLongerKnowsReportsFalse() throws Exception {
        RunningCommand command = agent.start(ExecRequest.of("x"), null);
        nextRequest();
        CompletableFuture<Boolean> delivered = CompletableFuture.supplyAsync(() -> {
            try {
                return command.signal(RunningCommand.SIGTERM);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Frame signal = nextRequest();
        assertTrue(FrameType.SIGNAL.matches(signal), "expected SIGNAL, got " + signal);
        assertEquals(command.requestId(), ByteBuffer.wrap(signal.payload()).getInt(0));
        assertEquals(RunningCommand.SIGTERM, ByteBuffer.wrap(signal.payload()).getInt(4));
        byte[] message = "gone".getBytes(StandardCharsets.UTF_8);
        reply(FrameType.ERROR.frame(signal.requestId(), ByteBuffer.allocate(16)
                .putInt(ErrorCode.NO_SUCH_COMMAND.code()).putInt(0).putInt(4).put(message).array()));
        assertFalse(delivered.get());
    }

    @Test
    void capturedOutputIsBoundedButTheListenerSeesAll() throws Exception {
        long[] streamed = {0};
        CompletableFuture<ExecResult> pending = agent.execAsync(ExecRequest.of("yes"),
                (stream, chunk) -> streamed[0] += chunk.length);
        int id = nextRequest().requestId();
        byte[] chunk = new byte[FrameCodec.MAX_PAYLOAD];
        int chunks = GuestAgent.CAPTURE_LIMIT / chunk.length + 2;
        for (int i = 0; i < chunks; i++) {
            reply(FrameType.STDOUT.frame(id, chunk));
        }
        reply(FrameType.EXIT.frame(id, new byte[] {0, 0, 0, 0, 0}));
        ExecResult result = pending.get();
        assertTrue(result.outputTruncated());
        assertEquals(GuestAgent.CAPTURE_LIMIT, result.stdout().length);
        assertEquals((long) chunks * chunk.length, streamed[0]);
    }

    @Test
    void readFileRefusesMoreDataThanItAskedFor() throws Exception {
        CompletableFuture<byte[]> pending = CompletableFuture.supplyAsync(() -> {
            try {
                return agent.readFile("/f", 3);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        int id = nextRequest().requestId();
        reply(FrameType.FILE_DATA.frame(id, new byte[4]));
        Throwable cause = assertThrows(ExecutionException.class, pending::get).getCause().getCause();
        assertInstanceOf(ProtocolException.class, cause);
    }

    private Frame nextRequest() throws IOException {
        return FrameType.CODEC.readRequired(guestReads);
    }

    private void reply(Frame frame) throws IOException {
        FrameCodec.write(guestWrites, frame);
        guestWrites.flush();
    }
}
