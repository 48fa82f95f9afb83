package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.ProtocolException;
import dev.kvmunit.internal.wire.ChannelStreams;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running L1: the QEMU (TCG) process, its console log, and the link to the rig server in
 * it. Frames from L1 are read by a daemon thread into a queue, so the requesting thread can
 * wait for a reply with a deadline and notice at once when L1 dies (the socket closes).
 */
final class L1Machine implements AutoCloseable {
    private static final String L1_CMDLINE = "console=ttyS0 panic=-1 loglevel=4 mitigations=off cryptomgr.notests";
    private static final int LOG_TAIL_LINES = 40;

    /** What the reader thread saw: a frame, or the end of the link (frame null, reason set). */
    private record Incoming(RigFrame frame, String endReason) {
    }

    /** L1 sent nothing acceptable before the deadline. */
    static final class SilentException extends IOException {
        SilentException(String message) {
            super(message);
        }
    }

    private final Path workDir;
    private final Path consoleLog;
    private final Process process;
    private final Thread killOnExit;
    private final BlockingQueue<Incoming> incoming = new LinkedBlockingQueue<>();
    private final Set<BlobDigest> knownBlobs = new HashSet<>();
    private RigLink link;
    private SocketChannel channel;
    private String description;
    private Duration bootTime;

    private L1Machine(Path workDir, Process process) {
        this.workDir = workDir;
        this.consoleLog = workDir.resolve("l1-console.log");
        this.process = process;
        // No QEMU may outlive the JVM, whatever way the JVM ends.
        this.killOnExit = new Thread(process::destroyForcibly, "kvmunit-rig-kill-l1");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Boots L1 from {@code image} and waits for its server's READY. */
    static L1Machine start(RigConfig config, Path image) throws IOException {
        Path workDir = Files.createTempDirectory("kvmunit-rig");
        Path socket = workDir.resolve("rig.sock");
        List<String> command = new ArrayList<>(List.of(config.qemu().toString(),
                "-accel", "tcg", "-cpu", "max", "-machine", "q35",
                // One vCPU: with two, L1 oopses now and then and L2s hang.
                "-smp", "1", "-m", config.l1MemoryMb() + "M",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-serial", "file:" + workDir.resolve("l1-console.log"),
                "-kernel", config.l1Kernel().toString(), "-initrd", image.toString(), "-append", L1_CMDLINE,
                "-device", "virtio-serial-pci",
                "-chardev", "socket,id=rig,path=" + socket + ",server=on,wait=off",
                "-device", "virtserialport,chardev=rig,name=" + RigServer.PORT_NAME));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("qemu-output.log").toFile()).start();
        long started = System.nanoTime();
        L1Machine machine = new L1Machine(workDir, process);
        try {
            machine.connect(socket, System.nanoTime() + config.bootTimeout().toNanos());
            RigFrame ready = machine.await(0, config.bootTimeout(), frame -> {
            });
            if (ready.type() != RigFrameType.READY) {
                throw new ProtocolException("L1 sent " + ready.type() + " before READY");
            }
            machine.description = ready.text();
            machine.bootTime = Duration.ofNanos(System.nanoTime() - started);
            return machine;
        } catch (IOException | RuntimeException e) {
            String tail = machine.consoleTail();
            machine.kill();
            throw new IOException("L1 did not come up: " + e.getMessage() + "\nL1 console tail:\n" + tail, e);
        }
    }

    private void connect(Path socket, long deadline) throws IOException {
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("QEMU exited with status " + process.exitValue() + ": "
                        + readQuietly(workDir.resolve("qemu-output.log")).strip());
            }
            if (Files.exists(socket)) {
                try {
                    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    channel.connect(UnixDomainSocketAddress.of(socket));
                    break;
                } catch (IOException e) {
                    channel.close();
                    // QEMU created the socket file but does not listen yet: try again.
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SilentException("QEMU did not open its rig socket " + socket + " in time");
            }
            sleep(50);
        }
        link = new RigLink(ChannelStreams.input(channel), ChannelStreams.output(channel));
        Thread reader = new Thread(this::readLoop, "kvmunit-rig-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try {
            for (RigFrame frame; (frame = link.receive()) != null; ) {
                incoming.add(new Incoming(frame, null));
            }
            incoming.add(new Incoming(null, "L1 closed the rig link"));
        } catch (IOException e) {
            incoming.add(new Incoming(null, "rig link failed: " + e.getMessage()));
        }
    }

    void send(RigFrame frame) throws IOException {
        link.send(frame);
    }

    /**
     * The next frame for {@code requestId} other than CONSOLE, which goes to {@code console}.
     *
     * @throws SilentException when nothing conclusive came within {@code timeout}
     * @throws IOException     when the link ended (L1 died or powered off)
     */
    RigFrame await(int requestId, Duration timeout, Consumer<RigFrame> console)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Incoming next;
            try {
                next = incoming.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for L1", e);
            }
            if (next == null) {
                throw new SilentException("L1 sent nothing conclusive for " + timeout.toSeconds() + " s");
            }
            if (next.frame() == null) {
                incoming.add(next);
                throw new IOException(next.endReason());
            }
            RigFrame frame = next.frame();
            if (frame.requestId() != requestId) {
                continue; // late output of an abandoned request
            }
            if (frame.type() == RigFrameType.CONSOLE) {
                console.accept(frame);
            } else {
                return frame;
            }
        }
    }

    /** Digests this L1 is known to hold, so each is asked about or sent once. */
    Set<BlobDigest> knownBlobs() {
        return knownBlobs;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String description() {
        return description;
    }

    /** From starting QEMU to the server's READY. */
    Duration bootTime() {
        return bootTime;
    }

    /** The last lines of L1's serial console: what L1 was doing when it failed. */
    String consoleTail() {
        List<String> lines = readQuietly(consoleLog).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    /** Asks L1 to power off, and kills it if it does not within {@code grace}. */
    void shutdown(Duration grace) {
        try {
            send(new RigFrame(RigFrameType.SHUTDOWN, 0, new byte[0]));
            process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            // The link is already gone: killing is all that is left.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
    }

    /** Kills QEMU at once and removes the socket and logs. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            if (channel != null) {
                channel.close();
            }
            CacheFiles.deleteTree(workDir);
        } catch (IOException e) {
            // Best effort: a leftover temp directory must not hide the failure being reported.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself.
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(cannot read " + file.getFileName() + ": " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for L1", e);
        }
    }
}
