package dev.kvmunit.junit;

import dev.kvmunit.guest.GuestInitBinary;
import dev.kvmunit.vmm.image.ImageCache;
import dev.kvmunit.vmm.image.InitramfsContents;
import dev.kvmunit.vmm.kernel.ModuleIndex;
import dev.kvmunit.vmm.kernel.ResolvedKernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The initramfs every guest of a kernel boots from: our init as {@code /init}, the console
 * node the kernel opens before devtmpfs exists, and the modules the channel needs when the
 * kernel has them as modules (Debian's cloud kernels build virtio_mmio as one). The result is
 * cached by content digest, so only the first test of a run pays for it.
 */
final class GuestImages {
    /** What the agent channel needs; either may be built in. */
    private static final List<String> CHANNEL_MODULES = List.of("virtio_mmio", "virtio_console");
    private static final String MODULE_LIST = "/kvmunit/modules";

    private final ImageCache cache;

    GuestImages(ImageCache cache) {
        this.cache = cache;
    }

    Path baseFor(ResolvedKernel kernel) throws IOException {
        InitramfsContents contents = new InitramfsContents()
                .file("/init", 0755, GuestInitBinary.bytes())
                .directory("/dev", 0755)
                .charDevice("/dev/console", 0600, 5, 1)
                .directory("/proc", 0555)
                .directory("/sys", 0555)
                .directory("/tmp", 01777)
                .directory("/run", 0755)
                .directory("/kvmunit", 0755);
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
}
