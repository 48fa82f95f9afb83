package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.PayloadWriter;

import dev.kvmunit.internal.wire.ChannelStreams;
import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.ProtocolException;
import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.junit.OutputStreamKind;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Host side of the agent channel: sends requests to the guest's init and matches the replies
 * to them by request id. Thread-safe: any number of threads may run requests at once (several
 * commands run concurrently in the guest). One reader thread receives every frame and hands it
 * to the request it belongs to.
 *
 * <p>The guest is not trusted: a frame that breaks the protocol ends the channel (every waiting
 * call fails with a {@link ProtocolException}), a malformed reply fails only its own request,
 * and captured output is bounded ({@link #CAPTURE_LIMIT}).
 *
 * <p>Calls wait for as long as the guest takes; bound a test with the VM's timeout (which
 * closes the channel and fails the waiting call) or by interrupting the waiting thread.
 */
public final class GuestAgent implements AutoCloseable {
    /** Most bytes of each output stream an {@link ExecResult} keeps. */
    public static final int CAPTURE_LIMIT = 16 * 1024 * 1024;
    /** Largest file {@link #readFile(String)} accepts. */
    public static final long DEFAULT_READ_LIMIT = 64L * 1024 * 1024;
    /** Data per WRITE_FILE frame, leaving room for the path and header fields. */
    static final int WRITE_CHUNK = FrameCodec.MAX_PAYLOAD / 2;
    private static final int WRITE_FLAG_APPEND = 1;

    private final InputStream fromGuest;
    private final OutputStream toGuest;
    private final Transcript transcript;
    private final Object sendLock = new Object();
    private final Map<Integer, Call<?>> calls = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final CompletableFuture<Hello> hello = new CompletableFuture<>();
    private final KernelLog kernelLog = new KernelLog();
    private volatile IOException channelFailure;

    public GuestAgent(InputStream fromGuest, OutputStream toGuest) {
        this(fromGuest, toGuest, Transcript.NONE);
    }

    public GuestAgent(InputStream fromGuest, OutputStream toGuest, Transcript transcript) {
        this.fromGuest = fromGuest;
        this.toGuest = toGuest;
        this.transcript = transcript;
        Thread reader = new Thread(this::readFrames, "kvmunit-guest-agent-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * An agent over one bidirectional channel, e.g. a {@code SocketChannel} in blocking mode.
     * Use this rather than {@code Channels.newInputStream}/{@code newOutputStream} on the same
     * channel: those serialise reads and writes, so requests could not be sent while the
     * reader waits for the guest.
     */
    public static <C extends ReadableByteChannel & WritableByteChannel> GuestAgent over(C channel,
                                                                                        Transcript transcript) {
        return new GuestAgent(ChannelStreams.input(channel), ChannelStreams.output(channel), transcript);
    }

    /**
     * Kernel log records the guest forwarded so far: warnings and worse, and sched_ext
     * messages. The first 10,000 are kept.
     */
    public List<KernelLogLine> kernelLog() {
        return kernelLog.lines();
    }

    /** Waits for the guest's HELLO, the first frame it sends. */
    public Hello hello() throws IOException {
        return await(hello);
    }

    public ExecResult exec(String... argv) throws IOException {
        return exec(ExecRequest.of(argv));
    }

    public ExecResult exec(ExecRequest request) throws IOException {
        return await(execAsync(request, null));
    }

    /** Runs a command, passing its output to {@code listener} as it arrives. */
    public ExecResult exec(ExecRequest request, ExecListener listener) throws IOException {
        return await(execAsync(request, listener));
    }

    /**
     * Starts a command and returns at once. The future completes with the result, or
     * exceptionally with a {@link GuestException} (the command could not be started) or an
     * {@link IOException} (the channel failed).
     *
     * @param listener receives output as it arrives; may be null
     */
    public CompletableFuture<ExecResult> execAsync(ExecRequest request, ExecListener listener) {
        return start(request, listener).result();
    }

    /**
     * Starts a command and returns a handle to it: its result, and a way to signal it (e.g. to
     * stop a workload or a scheduler that runs until told otherwise).
     *
     * @param listener receives output as it arrives; may be null
     */
    public RunningCommand start(ExecRequest request, ExecListener listener) {
        ExecCall call = new ExecCall(listener);
        int id = submit(call, FrameType.EXEC, ExecMessages.encode(request));
        return new RunningCommand(this, id, call.result);
    }

    public byte[] readFile(String path) throws IOException {
        return readFile(path, DEFAULT_READ_LIMIT);
    }

    /** Reads a whole file; fails with {@link ErrorCode#FILE_TOO_LARGE} past {@code maxBytes}. */
    public byte[] readFile(String path, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
        }
        byte[] payload = new PayloadWriter().u64(maxBytes).string(path).toByteArray();
        ReadFileCall call = new ReadFileCall(maxBytes);
        submit(call, FrameType.READ_FILE, payload);
        return await(call.result);
    }

    /** Writes a file with mode 0644 if it is created. */
    public void writeFile(String path, byte[] data) throws IOException {
        writeFile(path, data, 0644);
    }

    /**
     * Replaces a file's contents, creating it with {@code mode} if it does not exist (an existing
     * file keeps its mode). Data larger than one frame goes out as several appending writes, so
     * files in sysfs or cgroupfs, which take one value per write, must get small data.
     */
    public void writeFile(String path, byte[] data, int mode) throws IOException {
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException(String.format("file mode must be within 07777, got 0%o", mode));
        }
        int offset = 0;
        do {
            int length = Math.min(WRITE_CHUNK, data.length - offset);
            byte[] chunk = new byte[length];
            System.arraycopy(data, offset, chunk, 0, length);
            byte[] payload = new PayloadWriter().u32(mode).u8(offset == 0 ? 0 : WRITE_FLAG_APPEND).string(path)
                    .bytes(chunk).toByteArray();
            await(request(FrameType.WRITE_FILE, payload));
            offset += length;
        } while (offset < data.length);
    }

    /**
     * Asks the guest to power off. Returns when the guest acknowledged it or the channel closed,
     * which a powering-off guest may do before its acknowledgement gets out.
     */
    public void powerOff() throws IOException {
        try {
            await(request(FrameType.POWER_OFF, new byte[0]));
        } catch (EOFException closedOnTheWayOut) {
            // the guest is gone: that is what was asked for
        }
    }

    /** Closes both streams; calls still waiting fail. */
    @Override
    public void close() throws IOException {
        failChannel(new IOException("agent channel closed by the host"));
        try {
            toGuest.close();
        } finally {
            fromGuest.close();
        }
    }

    /** Sends SIGNAL for the command with request id {@code commandId}; see {@link RunningCommand#signal}. */
    boolean signal(int commandId, int signal) throws IOException {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("signal must be a Linux signal number 1-64, got " + signal);
        }
        try {
            await(request(FrameType.SIGNAL, new PayloadWriter().u32(commandId).u32(signal).toByteArray()));
            return true;
        } catch (GuestException e) {
            if (e.code() == ErrorCode.NO_SUCH_COMMAND) {
                return false;
            }
            throw e;
        }
    }

    /** Sends a request answered by OK. */
    private CompletableFuture<Void> request(FrameType type, byte[] payload) {
        OkCall call = new OkCall();
        submit(call, type, payload);
        return call.result;
    }

    /** Registers the call under a fresh request id and sends its request; returns the id. */
    private int submit(Call<?> call, FrameType type, byte[] payload) {
        if (payload.length > FrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException(type + " request of " + payload.length
                    + " bytes exceeds the frame limit of " + FrameCodec.MAX_PAYLOAD + " (is the path that long?)");
        }
        int id = register(call);
        call.result.whenComplete((result, error) -> calls.remove(id, call));
        IOException failure = channelFailure;
        if (failure != null) {
            call.result.completeExceptionally(failure);
            return id;
        }
        try {
            send(type.frame(id, payload));
        } catch (IOException | RuntimeException e) {
            // a broken stream or a throwing transcript: fail this call rather than leave it waiting
            call.result.completeExceptionally(e);
        }
        return id;
    }

    private int register(Call<?> call) {
        for (;;) {
            int id = nextId.getAndIncrement();
            // id 0 names the connection itself; skip it when the counter wraps
            if (id != 0 && calls.putIfAbsent(id, call) == null) {
                return id;
            }
        }
    }

    private void send(Frame frame) throws IOException {
        synchronized (sendLock) {
            transcript.onFrame(Transcript.Direction.TO_GUEST, frame);
            FrameCodec.write(toGuest, frame);
            toGuest.flush();
        }
    }

    private void readFrames() {
        try {
            for (;;) {
                Frame frame = FrameType.CODEC.read(fromGuest);
                if (frame == null) {
                    failChannel(new EOFException("the guest closed the agent channel"));
                    return;
                }
                transcript.onFrame(Transcript.Direction.FROM_GUEST, frame);
                deliver(frame);
            }
        } catch (IOException e) {
            failChannel(e);
        } catch (RuntimeException | Error e) {
            failChannel(new IOException("agent channel reader failed", e));
            throw e;
        }
    }

    private void deliver(Frame frame) {
        if (FrameType.KERNEL_LOG.matches(frame)) {
            try {
                kernelLog.add(KernelLogLine.decode(frame.payload()));
            } catch (ProtocolException e) {
                // no request to fail; the transcript keeps the malformed frame
            }
            return;
        }
        if (FrameType.HELLO.matches(frame)) {
            try {
                hello.complete(Hello.decode(frame.payload()));
            } catch (ProtocolException e) {
                hello.completeExceptionally(e);
            }
            return;
        }
        // Errors about the connection itself (id 0) and frames for requests that already ended
        // have no waiter; the transcript has them.
        Call<?> call = calls.get(frame.requestId());
        if (call == null) {
            return;
        }
        try {
            if (FrameType.ERROR.matches(frame)) {
                call.result.completeExceptionally(GuestException.decode(frame.payload()));
            } else {
                call.onFrame(frame);
            }
        } catch (ProtocolException | RuntimeException e) {
            // a malformed reply, or the caller's listener threw: only this request fails
            call.result.completeExceptionally(e);
        }
    }

    private void failChannel(IOException cause) {
        if (channelFailure == null) {
            channelFailure = cause;
        }
        hello.completeExceptionally(cause);
        for (Call<?> call : List.copyOf(calls.values())) {
            call.result.completeExceptionally(cause);
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the guest");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }

    private static ProtocolException unexpected(Frame frame, String request) {
        return new ProtocolException("unexpected " + FrameType.describe(frame) + " in reply to " + request);
    }

    /** A request waiting for its replies; frames arrive on the reader thread only. */
    private abstract static class Call<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();

        abstract void onFrame(Frame frame) throws ProtocolException;
    }

    private static final class OkCall extends Call<Void> {
        @Override
        void onFrame(Frame frame) throws ProtocolException {
            if (!FrameType.OK.matches(frame)) {
                throw unexpected(frame, "a request answered by OK");
            }
            result.complete(null);
        }
    }

    private static final class ReadFileCall extends Call<byte[]> {
        private final long limit;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();

        ReadFileCall(long limit) {
            this.limit = limit;
        }

        @Override
        void onFrame(Frame frame) throws ProtocolException {
            if (FrameType.FILE_DATA.matches(frame)) {
                if (data.size() + (long) frame.payloadLength() > limit) {
                    throw new ProtocolException("guest sent more than the " + limit + " bytes READ_FILE asked for");
                }
                data.writeBytes(frame.payload());
            } else if (FrameType.OK.matches(frame)) {
                result.complete(data.toByteArray());
            } else {
                throw unexpected(frame, "READ_FILE");
            }
        }
    }

    private static final class ExecCall extends Call<ExecResult> {
        private final ExecListener listener;
        private final CappedBuffer stdout = new CappedBuffer();
        private final CappedBuffer stderr = new CappedBuffer();

        ExecCall(ExecListener listener) {
            this.listener = listener;
        }

        @Override
        void onFrame(Frame frame) throws ProtocolException {
            if (FrameType.STDOUT.matches(frame) || FrameType.STDERR.matches(frame)) {
                OutputStreamKind kind = FrameType.STDOUT.matches(frame) ? OutputStreamKind.STDOUT : OutputStreamKind.STDERR;
                (kind == OutputStreamKind.STDOUT ? stdout : stderr).append(frame.payload());
                if (listener != null) {
                    listener.onOutput(kind, frame.payload());
                }
            } else if (FrameType.EXIT.matches(frame)) {
                ExecResult exit = ExecMessages.decodeExit(frame.payload(), stdout.bytes(), stderr.bytes(),
                        stdout.truncated || stderr.truncated);
                if (listener != null) {
                    listener.onExit(exit);
                }
                result.complete(exit);
            } else {
                throw unexpected(frame, "EXEC");
            }
        }
    }

    /** Keeps the first {@link #CAPTURE_LIMIT} bytes and remembers whether more came. */
    private static final class CappedBuffer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean truncated;

        void append(byte[] chunk) {
            int room = CAPTURE_LIMIT - bytes.size();
            bytes.write(chunk, 0, Math.min(room, chunk.length));
            truncated |= chunk.length > room;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
