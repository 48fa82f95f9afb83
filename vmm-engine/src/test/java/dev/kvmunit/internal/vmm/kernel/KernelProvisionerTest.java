package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class KernelProvisionerTest {
    private static final String OLD = "linux-image-6.12.9+deb12-cloud-amd64-unsigned";
    private static final String NEW = "linux-image-6.12.10+deb12-cloud-amd64-unsigned";
    private static final String LTS = "linux-image-6.1.0-56-cloud-amd64-unsigned";
    private static final String NEW_RELEASE = "6.12.10+deb12-cloud-amd64";

    @TempDir
    Path temp;

    private final CommandRunner apt = mock(CommandRunner.class);
    private final List<String> progress = new ArrayList<>();
    private KernelCache cache;
    private KernelProvisioner provisioner;

    @BeforeEach
    void setUp() throws IOException {
        cache = new KernelCache(temp.resolve("cache"));
        provisioner = new KernelProvisioner(apt, cache, progress::add);
        when(apt.run(startsWith("apt-cache", "search"), any()))
                .thenReturn(ok(OLD + " - Linux 6.12 for x86-64 cloud\n" + NEW + " - Linux 6.12 for x86-64 cloud\n"
                        + LTS + " - Linux 6.1 for x86-64 cloud\n"));
        when(apt.run(startsWith("apt-cache", "show"), any()))
                .thenReturn(ok(stanza(OLD, "6.12.9-1~deb12u1") + "\n" + stanza(LTS, "6.1.192-2") + "\n"
                        + stanza(NEW, "6.12.10-1~deb12u1")));
    }

    /** Matches a command line by its first words (null-safe: Mockito probes matchers with null while stubbing). */
    private static List<String> startsWith(String... head) {
        return argThat(c -> c != null && c.size() >= head.length && c.subList(0, head.length).equals(List.of(head)));
    }

    private static CommandRunner.Result ok(String stdout) {
        return new CommandRunner.Result(0, stdout, "");
    }

    private static String stanza(String name, String version) {
        return "Package: " + name + "\nVersion: " + version + "\nSize: 34304772\nDescription: Linux\n";
    }

    /** Makes the mocked apt-get download drop a synthetic package into its working directory. */
    private void aptGetDownloadWrites(DebBuilder deb) throws IOException {
        when(apt.run(startsWith("apt-get"), any())).thenAnswer(call -> {
            Path cwd = call.getArgument(1);
            deb.writeTo(cwd.resolve(NEW + "_6.12.10-1~deb12u1_amd64.deb"));
            return ok("");
        });
    }

    private static DebBuilder kernelPackage(String release) {
        return new DebBuilder()
                .file("./boot/vmlinuz-" + release, "image")
                .file("./boot/config-" + release, "CONFIG_VIRTIO_CONSOLE=y\n")
                .file("./boot/System.map-" + release, "map")
                .file("./lib/modules/" + release + "/kernel/drivers/virtio/virtio_mmio.ko.xz", virtioMmioModule())
                .file("./usr/share/doc/linux-image/changelog.gz", "doc");
    }

    private static byte[] virtioMmioModule() {
        try {
            return ModuleFiles.xz(ModuleFiles.elf("virtio_mmio", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void picksTheNewestPackageByDebianVersionWithinThePrefix() {
        assertEquals(NEW, provisioner.newestPackage(new VersionPrefix("6.12")).orElseThrow().name());
        assertEquals(LTS, provisioner.newestPackage(new VersionPrefix("6.1")).orElseThrow().name());
        assertEquals(OLD, provisioner.newestPackage(new VersionPrefix("6.12.9")).orElseThrow().name());
        assertTrue(provisioner.newestPackage(new VersionPrefix("5.10")).isEmpty());
    }

    @Test
    void downloadsTheExactVersionAndUnpacksIntoTheCache() throws IOException {
        aptGetDownloadWrites(kernelPackage(NEW_RELEASE));

        KernelTree tree = provisioner.provisionDefault();

        verify(apt).run(startsWith("apt-get", "download", NEW + "=6.12.10-1~deb12u1"), any());
        assertEquals(cache.directory().resolve(NEW_RELEASE), tree.root());
        assertEquals("image", Files.readString(tree.image()));
        assertTrue(KernelConfig.of(tree).orElseThrow().isBuiltin("VIRTIO_CONSOLE"));
        Path modules = tree.modulesDir().orElseThrow();
        assertEquals(List.of(modules.resolve("kernel/drivers/virtio/virtio_mmio.ko.xz")),
                ModuleIndex.load(NEW_RELEASE, modules).filesFor("virtio_mmio"));
        assertTrue(Files.isRegularFile(modules.resolve("modules.dep")), "the provisioner writes modules.dep");
        assertFalse(Files.exists(tree.root().resolve("boot/System.map-" + NEW_RELEASE)));
        assertFalse(Files.exists(tree.root().resolve("usr")));
        try (var entries = Files.list(cache.directory())) {
            assertEquals(List.of(NEW_RELEASE), entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(".lock")).toList(), "staging directories must be gone");
        }
        assertTrue(progress.stream().anyMatch(l -> l.contains("downloading " + NEW) && l.contains("34.3 MB")), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.contains("unpacking") && l.contains(tree.root().toString())), progress.toString());
    }

    @Test
    void aCachedKernelIsNotDownloadedAgain() throws IOException {
        aptGetDownloadWrites(kernelPackage(NEW_RELEASE));
        KernelTree first = provisioner.provisionDefault();

        KernelTree second = new KernelProvisioner(apt, cache, progress::add).provisionDefault();

        assertEquals(first, second);
        verify(apt, times(1)).run(startsWith("apt-get"), any());
    }

    @Test
    void aFailedDownloadCarriesAptsErrorAndLeavesNoTrace() throws IOException {
        when(apt.run(startsWith("apt-get"), any()))
                .thenReturn(new CommandRunner.Result(100, "", "E: Failed to fetch http://deb.debian.org/... 404 Not Found"));

        KernelException e = assertThrows(KernelException.class, () -> provisioner.provisionDefault());

        assertTrue(e.getMessage().contains("404 Not Found"), e.getMessage());
        assertTrue(cache.list().isEmpty());
        try (var entries = Files.list(cache.directory())) {
            assertTrue(entries.allMatch(p -> p.getFileName().toString().equals(".lock")));
        }
    }

    @Test
    void aPackageWithoutTheExpectedImageIsRejected() throws IOException {
        aptGetDownloadWrites(kernelPackage("6.12.10-some-other-release"));

        KernelException e = assertThrows(KernelException.class, () -> provisioner.provisionDefault());

        assertTrue(e.getMessage().contains("boot/vmlinuz-" + NEW_RELEASE), e.getMessage());
        assertTrue(cache.list().isEmpty());
    }

    @Test
    void missingAptSaysWhatToDoInstead() throws IOException {
        CommandRunner noApt = mock(CommandRunner.class);
        when(noApt.run(anyList(), any())).thenThrow(new IOException("Cannot run program \"apt-cache\": error=2"));

        KernelException e = assertThrows(KernelException.class,
                () -> new KernelProvisioner(noApt, cache, progress::add).provisionDefault());

        assertTrue(e.getMessage().contains("Debian/Ubuntu's apt") && e.getMessage().contains("KVMUNIT_KERNEL"),
                e.getMessage());
    }

    @Test
    void withoutAptACachedKernelStillServes() throws IOException {
        KernelTree cached = KernelImages.writeTree(cache.directory().resolve(NEW_RELEASE), NEW_RELEASE);
        CommandRunner noApt = mock(CommandRunner.class);
        when(noApt.run(anyList(), any())).thenThrow(new IOException("Cannot run program \"apt-cache\": error=2"));

        KernelTree tree = new KernelProvisioner(noApt, cache, progress::add).provisionDefault();

        assertEquals(cached, tree);
        assertTrue(progress.stream().anyMatch(l -> l.contains("using cached kernel " + NEW_RELEASE)), progress.toString());
    }

    @Test
    void noMatchingPackageSuggestsAptGetUpdate() throws IOException {
        KernelException e = assertThrows(KernelException.class, () -> provisioner.provision(new VersionPrefix("6.99")));

        assertTrue(e.getMessage().contains("sudo apt-get update"), e.getMessage());
        verify(apt, never()).run(startsWith("apt-get"), any());
    }
}
