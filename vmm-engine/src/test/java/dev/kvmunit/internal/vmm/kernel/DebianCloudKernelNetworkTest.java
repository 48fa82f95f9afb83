package dev.kvmunit.internal.vmm.kernel;

import dev.kvmunit.internal.vmm.boot.BzImage;
import dev.kvmunit.internal.vmm.boot.KernelImage;
import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Really provisions Debian's 6.12 cloud kernel through apt and the network, into an empty cache,
 * so it downloads every time: it runs under {@code CI=true} or with
 * {@code -Dkvmunit.test.network=true}, and skips elsewhere. Needs apt with Debian's lists.
 */
@Tag("network")
class DebianCloudKernelNetworkTest {

    @Test
    void provisionsTheDefaultCloudKernel(@TempDir Path cacheDir) {
        TestEnforcement enforcement = TestEnforcement.ofProcess();
        enforcement.require(enforcement.enforced() || Boolean.getBoolean("kvmunit.test.network"),
                "downloads a kernel package: run with -Dkvmunit.test.network=true", TestAbortedException::new);
        List<String> progress = new ArrayList<>();
        KernelProvisioner provisioner = new KernelProvisioner(CommandRunner.processes(), new KernelCache(cacheDir),
                line -> {
                    progress.add(line);
                    System.out.println(line);
                });

        KernelTree tree = provisioner.provisionDefault();

        assertTrue(KernelProvisioner.DEFAULT_SERIES.matches(tree.release()), tree.release());
        KernelImage image = KernelImage.load(tree.image());
        assertTrue(image instanceof BzImage, "boot/vmlinuz must be a bzImage");
        assertTrue(image.version().orElseThrow().startsWith(tree.release() + " "), image.version().toString());
        KernelConfig config = KernelConfig.of(tree).orElseThrow();
        assertTrue(config.isBuiltin("VIRTIO_CONSOLE"));
        assertTrue(config.isModule("VIRTIO_MMIO"));
        ModuleIndex modules = ModuleIndex.load(tree.release(), tree.modulesDir().orElseThrow());
        List<Path> virtioMmio = modules.filesFor("virtio_mmio");
        assertEquals("virtio_mmio.ko.xz", virtioMmio.get(virtioMmio.size() - 1).getFileName().toString());
        List<Path> kvmAmd = modules.filesFor("kvm-amd");
        assertEquals(List.of("irqbypass.ko.xz", "kvm.ko.xz", "kvm-amd.ko.xz"),
                kvmAmd.stream().map(p -> p.getFileName().toString()).toList().subList(kvmAmd.size() - 3, kvmAmd.size()));
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("downloading")), progress.toString());
    }
}
