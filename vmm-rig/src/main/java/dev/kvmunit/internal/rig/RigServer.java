package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.LocalVmLauncher;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.RunningVm;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The server inside L1, started by the L1 init. It opens the virtio-serial port the host
 * named {@value #PORT_NAME}, says READY and then serves one request at a time with the
 * launcher chosen on the command line, until the host says SHUTDOWN or goes away.
 *
 * <p>Usage: {@code RigServer --engine=kvmunit|qemu [--qemu=PATH]
 * [--qemu-machine=microvm|q35] [--blobs=DIR]}
 */
public final class RigServer {
    /** The virtio-serial port name both ends agree on. */
    public static final String PORT_NAME = "kvmunit.rig";

    private final RigLink link;
    private final VmLauncher launcher;
    private final BlobStore blobs;
    private final Map<Integer, BlobStore.Upload> uploads = new HashMap<>();
    /** Guests still running, by the request id of their BOOT. */
    private final Map<Integer, ServedGuest> guests = new ConcurrentHashMap<>();

    RigServer(RigLink link, VmLauncher launcher, BlobStore blobs) {
        this.link = link;
        this.launcher = launcher;
        this.blobs = blobs;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parseOptions(args);
        VmLauncher launcher = launcher(options);
        BlobStore blobs = new BlobStore(Path.of(options.getOrDefault("blobs", "/tmp/kvmunit-blobs")));
        Path port = findPort(Path.of("/sys/class/virtio-ports"), PORT_NAME);
        // A virtio console port may be opened only once, so reading and writing share one fd.
        try (RandomAccessFile device = new RandomAccessFile(port.toFile(), "rw")) {
            RigLink link = new RigLink(withoutAvailable(new FileInputStream(device.getFD())),
                    new FileOutputStream(device.getFD()));
            String description = "engine=" + options.get("engine") + " kernel=" + System.getProperty("os.version");
            new RigServer(link, launcher, blobs).serve(description);
        } finally {
            launcher.close();
        }
    }

    /**
     * Says READY and serves until SHUTDOWN or the end of the link. Writing READY blocks until
     * the host has connected: the virtio console driver holds writes while no host is attached.
     */
    void serve(String description) throws IOException {
        link.send(RigFrame.text(RigFrameType.READY, 0, description));
        for (RigFrame frame; (frame = link.receive()) != null; ) {
            if (frame.type() == RigFrameType.SHUTDOWN) {
                break;
            }
            try {
                handle(frame);
            } catch (ProtocolException | VmLaunchException e) {
                abandonUpload(frame.requestId());
                link.send(RigFrame.text(RigFrameType.ERROR, frame.requestId(), e.getMessage()));
            }
        }
        for (BlobStore.Upload upload : uploads.values()) {
            upload.close();
        }
    }

    private void handle(RigFrame frame) throws IOException {
        int id = frame.requestId();
        switch (frame.type()) {
            case HAVE_BLOB -> {
                boolean present = blobs.has(digest(frame.payload(), "HAVE_BLOB"));
                link.send(new RigFrame(RigFrameType.BLOB_STATUS, id,
                        new PayloadWriter().u8(present ? 1 : 0).toByteArray()));
            }
            case PUT_BLOB -> startUpload(frame);
            case BLOB_CHUNK -> appendUpload(frame);
            case BOOT -> boot(id, BootRequest.decode(frame.payload()));
            case RUN -> runJava(id, frame.payload());
            case AGENT_TO_GUEST -> {
                ServedGuest guest = guests.get(id);
                if (guest != null) {
                    guest.sendToGuest(frame.payload());
                }
            }
            case STOP -> {
                // A STOP that crosses the guest's RESULT finds nothing to stop: that is fine.
                ServedGuest guest = guests.get(id);
                if (guest != null) {
                    guest.stop();
                }
            }
            default -> throw new ProtocolException("L1 does not accept " + frame.type() + " frames");
        }
    }

    /** Runs the program in a child JVM on this server's own runtime and classpath; output goes back as CONSOLE. */
    private void runJava(int id, byte[] payload) throws IOException {
        PayloadReader in = new PayloadReader(payload, "RUN");
        int count = in.count(4, "argument");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Djava.io.tmpdir=/tmp", "-cp", System.getProperty("java.class.path")));
        for (int i = 0; i < count; i++) {
            command.add(in.string("argument"));
        }
        in.end();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream output = process.getInputStream()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = output.read(buffer)) > 0; ) {
                link.send(new RigFrame(RigFrameType.CONSOLE, id, Arrays.copyOf(buffer, n)));
            }
            int status = process.waitFor();
            link.send(new RigFrame(RigFrameType.RUN_EXIT, id, new PayloadWriter().u32(status).toByteArray()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        } finally {
            process.destroyForcibly();
        }
    }

    private void startUpload(RigFrame frame) throws IOException {
        PayloadReader in = new PayloadReader(frame.payload(), "PUT_BLOB");
        BlobDigest digest = BlobDigest.read(in, "digest");
        long size = in.u64("size");
        in.end();
        abandonUpload(frame.requestId());
        BlobStore.Upload upload = blobs.begin(digest, size);
        uploads.put(frame.requestId(), upload);
        sealIfComplete(frame.requestId(), upload);
    }

    private void appendUpload(RigFrame frame) throws IOException {
        BlobStore.Upload upload = uploads.get(frame.requestId());
        if (upload == null) {
            throw new ProtocolException("BLOB_CHUNK for request " + frame.requestId() + " without a PUT_BLOB");
        }
        upload.append(frame.payload());
        sealIfComplete(frame.requestId(), upload);
    }

    private void sealIfComplete(int id, BlobStore.Upload upload) throws IOException {
        if (upload.isComplete()) {
            uploads.remove(id);
            try (upload) {
                upload.seal();
            }
            link.send(new RigFrame(RigFrameType.BLOB_STORED, id, new byte[0]));
        }
    }

    private void abandonUpload(int id) throws IOException {
        BlobStore.Upload upload = uploads.remove(id);
        if (upload != null) {
            upload.close();
        }
    }

    private void boot(int id, BootRequest request) throws IOException {
        Map<BlobDigest, Path> files = new HashMap<>();
        files.put(request.kernel(), blobs.file(request.kernel()));
        for (BlobDigest part : request.initramfs()) {
            files.put(part, blobs.file(part));
        }
        VmListener forward = new VmListener() {
            @Override
            public void onConsole(byte[] data) {
                sendConsole(id, data);
            }
        };
        RunningVm vm;
        try {
            vm = launcher.start(request.toSpec(files::get), forward);
        } catch (VmLaunchException e) {
            throw e;
        } catch (RuntimeException e) {
            // A bug in the launcher fails this request, not L1: the next request gets a fresh try.
            throw new VmLaunchException("the launcher in L1 failed: " + e, e);
        }
        ServedGuest guest = new ServedGuest(id, vm, link, () -> guests.remove(id));
        guests.put(id, guest);
        link.send(new RigFrame(RigFrameType.STARTED, id, new byte[0]));
        guest.start();
    }

    private void sendConsole(int id, byte[] data) {
        try {
            for (int offset = 0; offset < data.length; offset += FrameCodec.MAX_PAYLOAD) {
                int end = Math.min(data.length, offset + FrameCodec.MAX_PAYLOAD);
                link.send(new RigFrame(RigFrameType.CONSOLE, id, Arrays.copyOfRange(data, offset, end)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rig link lost while forwarding guest console", e);
        }
    }

    private static BlobDigest digest(byte[] payload, String what) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, what);
        BlobDigest digest = BlobDigest.read(in, "digest");
        in.end();
        return digest;
    }

    /**
     * Hides {@code available()}: on a virtio port FileInputStream answers it with lseek, which
     * fails with "Illegal seek" (no FIONREAD there), and BufferedInputStream calls it.
     */
    private static InputStream withoutAvailable(InputStream in) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, len);
            }
        };
    }

    /** Finds the {@code /dev/vportNpM} whose sysfs name is {@code name}. */
    static Path findPort(Path sysfsPorts, String name) throws IOException {
        if (Files.isDirectory(sysfsPorts)) {
            try (Stream<Path> ports = Files.list(sysfsPorts)) {
                for (Path port : (Iterable<Path>) ports.sorted()::iterator) {
                    Path nameFile = port.resolve("name");
                    if (Files.isReadable(nameFile) && Files.readString(nameFile).strip().equals(name)) {
                        return Path.of("/dev").resolve(port.getFileName());
                    }
                }
            }
        }
        throw new IOException("no virtio-serial port named " + name + " under " + sysfsPorts
                + "; start L1 with -device virtserialport,name=" + name);
    }

    static Map<String, String> parseOptions(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("RigServer argument '" + arg + "' is not of the form --name=value");
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return options;
    }

    static VmLauncher launcher(Map<String, String> options) {
        String engine = options.getOrDefault("engine", "kvmunit");
        return switch (engine) {
            case "qemu" -> new QemuLauncher(
                    options.containsKey("qemu") ? Path.of(options.get("qemu")) : RigConfig.DEFAULT_QEMU,
                    QemuLauncher.Machine.valueOf(options.getOrDefault("qemu-machine", "microvm")
                            .toUpperCase(Locale.ROOT)),
                    QemuLauncher.Accelerator.KVM);
            case "kvmunit" -> new LocalVmLauncher();
            default -> throw new IllegalArgumentException("--engine=" + engine + " is unknown; use kvmunit or qemu");
        };
    }

}
