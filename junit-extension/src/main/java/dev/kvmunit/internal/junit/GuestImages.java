package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.guest.GuestInitBinary;
import dev.kvmunit.internal.vmm.image.ElfClosure;
import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.image.InitramfsContents;
import dev.kvmunit.internal.vmm.kernel.ModuleIndex;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The initramfs archives a guest boots from, in the order the kernel unpacks them.
 *
 * <p>The base, which every guest of a kernel boots from: our init as {@code /init}, the console
 * node the kernel opens before devtmpfs exists, and the modules the channel needs when the
 * kernel has them as modules (Debian's cloud kernels build virtio_mmio as one), and a static
 * busybox as the guest's shell and tools. Then, for tests with probes or a scheduler, their
 * {@link BinaryLayer}. Both are cached by content digest, so only the first test of a run with
 * a given kernel, or a given set of binaries, pays for building them. Last, for tests with
 * {@link GuestFile}s, the per-test {@link TestOverlay}, which is not cached.
 */
final class GuestImages {
    /** What the agent channel needs; either may be built in. */
    private static final List<String> CHANNEL_MODULES = List.of("virtio_mmio", "virtio_console");
    private static final String MODULE_LIST = "/kvmunit/modules";
    /**
     * A userland for tests to exec: the host's static busybox (Debian's busybox-static) and
     * these applets. A fixed list, so the image digest does not depend on the host's build.
     */
    static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> APPLETS = List.of("sh", "cat", "echo", "printf", "ls", "mkdir", "rm", "cp",
            "mv", "ln", "chmod", "touch", "sleep", "uname", "nproc", "grep", "head", "tail", "wc", "true", "false",
            "dmesg", "mount", "umount", "ps", "env", "id", "sed", "awk", "find", "xargs", "seq", "dd", "stat", "test",
            "date", "tr", "cut", "sort", "uniq", "kill", "free", "uptime", "hostname", "sync", "md5sum", "sha256sum");

    private final ImageCache cache;

    GuestImages(ImageCache cache) {
        this.cache = cache;
    }

    /**
     * What a test boots from.
     *
     * @param archives    initramfs archives in load order: base, binary layer, overlay
     * @param libraryPath LD_LIBRARY_PATH the guest's commands need (see {@link BinaryLayer#libraryPath()}), or empty
     * @param overlay     the per-test overlay among the archives, a temp file to delete after the boot
     */
    record TestImages(List<Path> archives, Optional<String> libraryPath, Optional<Path> overlay) {
        TestImages {
            archives = List.copyOf(archives);
        }
    }

    /**
     * The base for {@code kernel}, the cached layer of {@code binaries} when there are any, and
     * {@code overlay} written to a temp file when there is one.
     */
    TestImages forTest(ResolvedKernel kernel, List<ResolvedBinary> binaries, Optional<InitramfsContents> overlay)
            throws IOException {
        List<Path> archives = new ArrayList<>();
        archives.add(baseFor(kernel));
        Optional<String> libraryPath = Optional.empty();
        if (!binaries.isEmpty()) {
            BinaryLayer layer = BinaryLayer.of(binaries, ElfClosure.forHost());
            archives.add(cache.base(layer.contents()).path());
            libraryPath = layer.libraryPath();
        }
        // Written last: nothing that can fail comes after it, so it is never left behind.
        Optional<Path> overlayFile = overlay.isEmpty() ? Optional.empty() : Optional.of(TestOverlay.write(overlay.get()));
        overlayFile.ifPresent(archives::add);
        return new TestImages(archives, libraryPath, overlayFile);
    }

    private Path baseFor(ResolvedKernel kernel) throws IOException {
        InitramfsContents contents = new InitramfsContents()
                .file("/init", 0755, GuestInitBinary.bytes())
                .directory("/dev", 0755)
                .charDevice("/dev/console", 0600, 5, 1)
                .directory("/proc", 0555)
                .directory("/sys", 0555)
                .directory("/tmp", 01777)
                .directory("/run", 0755)
                .directory("/kvmunit", 0755);
        addBusybox(contents);
        List<String> moduleList = new ArrayList<>();
        kernel.modulesDir().ifPresent(dir -> {
            ModuleIndex index = kernel.modules();
            List<String> wanted = CHANNEL_MODULES.stream().filter(m -> !index.isBuiltin(m)).toList();
            for (Path file : index.loadOrder(wanted)) {
                String guestPath = "/lib/modules/" + kernel.release() + "/" + dir.relativize(file);
                contents.file(guestPath, 0644, file);
                moduleList.add(guestPath);
            }
        });
        contents.file(MODULE_LIST, 0644, String.join("\n", moduleList).concat("\n").getBytes());
        return cache.base(contents).path();
    }

    private static void addBusybox(InitramfsContents contents) {
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: guests get their shell and tools from the host's"
                    + " static busybox; install it with: sudo apt-get install busybox-static");
        }
        contents.directory("/bin", 0755).file("/bin/busybox", 0755, BUSYBOX);
        for (String applet : APPLETS) {
            contents.symlink("/bin/" + applet, "busybox");
        }
    }
}
