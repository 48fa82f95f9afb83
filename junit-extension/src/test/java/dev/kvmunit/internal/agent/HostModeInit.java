package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.guest.GuestInitBinary;
import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real packaged kvmunit-init, run on the host in its test mode with the channel on its
 * stdin/stdout and its console on a file. Closing it closes the channel and waits for the
 * init to exit (killing it if it does not, so a broken init cannot leak processes).
 */
final class HostModeInit implements AutoCloseable {
    private final Process process;
    private final Path console;

    private HostModeInit(Process process, Path console) {
        this.process = process;
        this.console = console;
    }

    static HostModeInit start(Path tempDir, String... extraArguments) throws IOException {
        Path binary = GuestInitBinary.writeTo(tempDir);
        Path console = tempDir.resolve("console.log");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--channel-stdio"));
        command.addAll(List.of(extraArguments));
        Process process = new ProcessBuilder(command).redirectError(console.toFile()).start();
        return new HostModeInit(process, console);
    }

    InputStream fromInit() {
        return process.getInputStream();
    }

    OutputStream toInit() {
        return process.getOutputStream();
    }

    GuestAgent agent(Transcript transcript) {
        return new GuestAgent(fromInit(), toInit(), transcript);
    }

    void send(byte[] bytes) throws IOException {
        toInit().write(bytes);
        toInit().flush();
    }

    Frame receive() throws IOException {
        return FrameType.CODEC.readRequired(fromInit());
    }

    /** Closes the channel from the host side and returns the init's exit status. */
    int closeChannelAndWait() throws IOException, InterruptedException {
        toInit().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kvmunit-init did not exit after its channel closed; console:\n" + console());
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String console() throws IOException {
        return Files.readString(console, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        try {
            if (process.isAlive()) {
                process.getOutputStream().close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            process.getInputStream().close();
        }
    }
}
