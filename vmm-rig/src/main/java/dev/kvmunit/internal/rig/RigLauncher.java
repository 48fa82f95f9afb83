package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.launch.EndedVm;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Boots guests inside the nested rig, for hosts whose {@code /dev/kvm} cannot run kernels.
 * The first {@link #run} builds (or takes from the cache) L1's image and boots L1 under QEMU
 * TCG; L1 then serves every following request, so each pays only its own L2 boot. Requests
 * are served one at a time. When L1 dies or stays silent past a request's timeout plus the
 * configured margin, it is killed and the next request starts a fresh one.
 */
public final class RigLauncher implements VmLauncher {
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    private final RigConfig config;
    private final AtomicInteger requestIds = new AtomicInteger();
    /** File digests by (path, size, mtime), so unchanged kernels are not re-hashed per request. */
    private final Map<String, BlobDigest> digests = new LinkedHashMap<>();
    private Path image;
    private L1Machine l1;
    /** The guest now running in L1, or null; guarded by this. */
    private RigRunningVm active;
    private boolean closed;

    public RigLauncher(RigConfig config) {
        this.config = config;
    }

    /**
     * Boots the guest in L1 and returns once it runs. One guest at a time: L1 has one vCPU,
     * and a second guest would only slow the first; a caller waits here until the previous
     * guest has ended.
     */
    @Override
    public synchronized RunningVm start(VmSpec spec, VmListener listener) {
        if (closed) {
            throw new IllegalStateException("this RigLauncher is closed");
        }
        awaitIdle();
        long startNanos = System.nanoTime();
        L1Machine machine = runningL1();
        int id = requestIds.incrementAndGet();
        try {
            BootRequest request = BootRequest.of(spec, this::digest);
            List<Path> files = new ArrayList<>(spec.initramfs());
            files.add(0, spec.kernel());
            for (Path file : files) {
                ensureBlob(machine, id, file, digest(file));
            }
            machine.send(new RigFrame(RigFrameType.BOOT, id, request.encode()));
            RigFrame reply = machine.await(id, config.requestMargin(), frame -> listener.onConsole(frame.payload()));
            switch (reply.type()) {
                case STARTED -> {
                    active = new RigRunningVm(this, machine, id, spec.timeout().plus(config.requestMargin()),
                            listener);
                    return active;
                }
                case ERROR -> throw new VmLaunchException("the rig could not boot " + spec.kernel() + ": "
                        + reply.text());
                default -> throw new ProtocolException("L1 answered BOOT with " + reply.type());
            }
        } catch (L1Machine.SilentException e) {
            return new EndedVm(silenced(machine, e, Duration.ofNanos(System.nanoTime() - startNanos)));
        } catch (IOException e) {
            String tail = discard(machine);
            throw new VmLaunchException("rig L1 failed while starting a guest: " + e.getMessage()
                    + "\nL1 console tail:\n" + tail, e);
        }
    }

    /**
     * Runs a Java program inside L1, on L1's classpath (the config's), and returns its exit
     * status. For tests that need a {@code /dev/kvm} that boots kernels where the host has none.
     */
    public synchronized int runJava(List<String> mainClassAndArgs, Duration timeout, Consumer<byte[]> output) {
        awaitIdle();
        L1Machine machine = runningL1();
        int id = requestIds.incrementAndGet();
        PayloadWriter payload = new PayloadWriter().strings(mainClassAndArgs);
        try {
            machine.send(new RigFrame(RigFrameType.RUN, id, payload.toByteArray()));
            RigFrame reply = machine.await(id, timeout, frame -> output.accept(frame.payload()));
            if (reply.type() == RigFrameType.ERROR) {
                throw new VmLaunchException("L1 could not run " + mainClassAndArgs + ": " + reply.text());
            }
            if (reply.type() != RigFrameType.RUN_EXIT) {
                throw new ProtocolException("L1 answered RUN with " + reply.type());
            }
            PayloadReader in = new PayloadReader(reply.payload(), "RUN_EXIT");
            int status = in.u32("status");
            in.end();
            return status;
        } catch (IOException e) {
            String tail = discard(machine);
            throw new VmLaunchException("rig L1 failed while running " + mainClassAndArgs + ": " + e.getMessage()
                    + "\nL1 console tail:\n" + tail, e);
        }
    }

    private void awaitIdle() {
        boolean interrupted = false;
        while (active != null) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called by the running guest when it has ended, so the next one may start. */
    synchronized void guestEnded(RigRunningVm guest) {
        if (active == guest) {
            active = null;
            notifyAll();
        }
    }

    /** Sends the file unless L1 already holds its digest. */
    private void ensureBlob(L1Machine machine, int id, Path file, BlobDigest digest) throws IOException {
        if (machine.knownBlobs().contains(digest)) {
            return;
        }
        machine.send(new RigFrame(RigFrameType.HAVE_BLOB, id, new PayloadWriter().bytes(digest.toByteArray())
                .toByteArray()));
        RigFrame status = expect(machine.await(id, config.requestMargin(), frame -> {
        }), RigFrameType.BLOB_STATUS);
        PayloadReader answer = new PayloadReader(status.payload(), "BLOB_STATUS");
        boolean present = answer.u8("present") == 1;
        answer.end();
        if (!present) {
            long size = Files.size(file);
            machine.send(new RigFrame(RigFrameType.PUT_BLOB, id,
                    new PayloadWriter().bytes(digest.toByteArray()).u64(size).toByteArray()));
            try (InputStream in = Files.newInputStream(file)) {
                for (byte[] chunk; (chunk = in.readNBytes(FrameCodec.MAX_PAYLOAD)).length > 0; ) {
                    machine.send(new RigFrame(RigFrameType.BLOB_CHUNK, id, chunk));
                }
            }
            expect(machine.await(id, config.requestMargin(), frame -> {
            }), RigFrameType.BLOB_STORED);
        }
        machine.knownBlobs().add(digest);
    }

    private static RigFrame expect(RigFrame frame, RigFrameType type) throws IOException {
        if (frame.type() == RigFrameType.ERROR) {
            throw new VmLaunchException("L1 refused a file: " + frame.text());
        }
        if (frame.type() != type) {
            throw new ProtocolException("L1 answered with " + frame.type() + " where " + type + " was due");
        }
        return frame;
    }

    private BlobDigest digest(Path file) {
        try {
            String key = file.toAbsolutePath() + ":" + Files.size(file) + ":" + Files.getLastModifiedTime(file);
            return digests.computeIfAbsent(key, k -> BlobDigest.ofFile(file));
        } catch (IOException e) {
            throw new VmLaunchException("cannot read guest file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The running L1, booting one (and building its image on first use) when there is none. */
    private L1Machine runningL1() {
        if (l1 != null && l1.isAlive()) {
            return l1;
        }
        if (l1 != null) {
            l1.kill();
            l1 = null;
        }
        try {
            if (image == null) {
                config.requireInputs();
                image = RigImage.build(config);
            }
            l1 = L1Machine.start(config, image);
            return l1;
        } catch (IOException | IllegalArgumentException e) {
            throw new VmLaunchException("cannot start the nested rig (L1 kernel " + config.l1Kernel() + "): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Kills an L1 that stayed silent past its deadline and says so as the guest's result: a
     * hung rig ends the guest as a timeout, with L1's console tail, and the next guest gets a
     * fresh L1.
     */
    VmResult silenced(L1Machine machine, L1Machine.SilentException e, Duration elapsed) {
        return new VmResult(VmOutcome.TIMEOUT, "rig L1 went silent: " + e.getMessage() + "; L1 was killed",
                discard(machine).lines().toList(), elapsed);
    }

    /** Kills a failed L1 and returns its console tail for the failure message. */
    synchronized String discard(L1Machine machine) {
        String tail = machine.consoleTail();
        machine.kill();
        if (l1 == machine) {
            l1 = null;
        }
        return tail;
    }

    /** What the server in the current L1 said about itself in READY, or null before the first run. */
    public synchronized String l1Description() {
        return l1 == null ? null : l1.description();
    }

    /** How long the current L1 took from QEMU start to READY, or null before the first run. */
    public synchronized Duration l1BootTime() {
        return l1 == null ? null : l1.bootTime();
    }

    /** Powers L1 off (killing it if it does not comply) and removes its temporary files. */
    @Override
    public void close() {
        RigRunningVm guest;
        synchronized (this) {
            closed = true;
            guest = active;
        }
        if (guest != null) {
            guest.close();
        }
        shutdownL1();
    }

    private synchronized void shutdownL1() {
        if (l1 != null) {
            l1.shutdown(SHUTDOWN_GRACE);
            l1 = null;
        }
    }
}
