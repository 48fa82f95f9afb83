package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

class KernelResolverTest {
    private static final String CACHED_OLD = "6.1.0-56-cloud-amd64";
    private static final String CACHED_NEW = "6.12.10+deb12-cloud-amd64";
    private static final String HOST = "6.12.99-host";

    @TempDir
    Path temp;

    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private final KernelProvisioner provisioner = mock(KernelProvisioner.class);
    private KernelCache cache;
    private Path hostRoot;
    private KernelResolver resolver;

    @BeforeEach
    void setUp() throws IOException {
        cache = new KernelCache(temp.resolve("cache"));
        hostRoot = Files.createDirectories(temp.resolve("host"));
        resolver = new KernelResolver(properties::get, env::get, cache, hostRoot, () -> provisioner);
    }

    private void cacheKernels() throws IOException {
        KernelImages.writeTree(cache.directory().resolve(CACHED_OLD), CACHED_OLD);
        KernelImages.writeTree(cache.directory().resolve(CACHED_NEW), CACHED_NEW);
    }

    private Path hostImage() throws IOException {
        Files.createDirectories(hostRoot.resolve("proc/sys/kernel"));
        Files.writeString(hostRoot.resolve("proc/sys/kernel/osrelease"), HOST + "\n");
        return KernelImages.writeTree(hostRoot, HOST).image();
    }

    private Path imageFile(String name, String release) throws IOException {
        return KernelImages.writeBzImage(temp.resolve("images").resolve(name), release);
    }

    @Test
    void explicitValueWinsOverPropertyEnvironmentCacheAndHost() throws IOException {
        cacheKernels();
        hostImage();
        properties.put("kvmunit.kernel", imageFile("vmlinuz-from-property", "p").toString());
        env.put("KVMUNIT_KERNEL", imageFile("vmlinuz-from-env", "e").toString());
        Path explicit = imageFile("vmlinuz-explicit", "x");

        ResolvedKernel kernel = resolver.resolve(explicit.toString());

        assertEquals(explicit, kernel.image());
        assertEquals("explicit", kernel.release());
        assertTrue(kernel.origin().contains("explicitly requested"), kernel.origin());
    }

    @Test
    void propertyWinsOverEnvironment() throws IOException {
        Path fromProperty = imageFile("vmlinuz-p", "p");
        properties.put("kvmunit.kernel", fromProperty.toString());
        env.put("KVMUNIT_KERNEL", imageFile("vmlinuz-e", "e").toString());

        assertEquals(fromProperty, resolver.resolve("  ").image());
    }

    @Test
    void environmentWinsOverTheCache() throws IOException {
        cacheKernels();
        Path fromEnv = imageFile("vmlinuz-e", "e");
        env.put("KVMUNIT_KERNEL", fromEnv.toString());

        ResolvedKernel kernel = resolver.resolve();

        assertEquals(fromEnv, kernel.image());
        assertTrue(kernel.origin().contains("KVMUNIT_KERNEL"), kernel.origin());
    }

    @Test
    void theNewestCachedKernelWinsOverTheHost() throws IOException {
        cacheKernels();
        hostImage();

        ResolvedKernel kernel = resolver.resolve();

        assertEquals(CACHED_NEW, kernel.release());
        assertEquals(Optional.of(cache.directory().resolve(CACHED_NEW).resolve("lib/modules").resolve(CACHED_NEW)),
                kernel.modulesDir());
        assertTrue(kernel.config().orElseThrow().isBuiltin("VIRTIO_CONSOLE"));
        verifyNoInteractions(provisioner);
    }

    @Test
    void theHostKernelIsUsedWhenTheCacheIsEmpty() throws IOException {
        Path image = hostImage();

        ResolvedKernel kernel = resolver.resolve();

        assertEquals(image, kernel.image());
        assertEquals(HOST, kernel.release());
        assertEquals(Optional.of(hostRoot.resolve("lib/modules").resolve(HOST)), kernel.modulesDir());
        verifyNoInteractions(provisioner);
    }

    @Test
    void theProvisionedDefaultComesLast() throws IOException {
        KernelTree provisioned = KernelImages.writeTree(temp.resolve("provisioned"), CACHED_NEW);
        when(provisioner.provisionDefault()).thenReturn(provisioned);

        ResolvedKernel kernel = resolver.resolve();

        assertEquals(provisioned.image(), kernel.image());
        assertTrue(kernel.origin().contains("provisioned default"), kernel.origin());
    }

    @Test
    void aVersionPrefixPrefersTheCacheThenProvisions() throws IOException {
        cacheKernels();
        assertEquals(CACHED_OLD, resolver.resolve("6.1").release());
        verifyNoInteractions(provisioner);

        KernelTree provisioned = KernelImages.writeTree(temp.resolve("p"), "6.6.1-cloud-amd64");
        when(provisioner.provision(new VersionPrefix("6.6"))).thenReturn(provisioned);

        assertEquals("6.6.1-cloud-amd64", resolver.resolve("6.6").release());
    }

    @Test
    void aCacheKeyNamesOneCachedKernel() throws IOException {
        cacheKernels();
        env.put("KVMUNIT_KERNEL", CACHED_OLD);

        assertEquals(CACHED_OLD, resolver.resolve().release());
    }

    @Test
    void anImageInADebianLayoutBringsItsModulesAndConfig() throws IOException {
        KernelTree tree = KernelImages.writeTree(temp.resolve("root"), "6.12.5-1-amd64");

        ResolvedKernel kernel = resolver.resolve(tree.image().toString());

        assertEquals("6.12.5-1-amd64", kernel.release());
        assertEquals(tree.modulesDir(), kernel.modulesDir());
        assertTrue(kernel.config().isPresent());
        assertEquals(List.of(tree.modulesDir().orElseThrow().resolve("kernel/drivers/virtio/virtio_mmio.ko.xz")),
                kernel.modules().filesFor("virtio_mmio"));
    }

    @Test
    void anImageWithoutReleaseInItsNameUsesTheBzImageHeader() throws IOException {
        Path image = imageFile("bzImage", "6.13.0-rc1-scx");

        ResolvedKernel kernel = resolver.resolve(image.toString());

        assertEquals("6.13.0-rc1-scx", kernel.release());
        assertEquals(Optional.empty(), kernel.modulesDir());
        MissingKernelOptionException e = assertThrows(MissingKernelOptionException.class,
                () -> kernel.require("SCHED_CLASS_EXT"));
        assertEquals(List.of("CONFIG_SCHED_CLASS_EXT"), e.missingOptions());
    }

    @Test
    void aKernelBuildTreeGivesReleaseAndConfig() throws IOException {
        Path tree = Files.createDirectories(temp.resolve("linux"));
        Path bzImage = KernelImages.writeBzImage(tree.resolve("arch/x86/boot/bzImage"), "header-release");
        Files.createDirectories(tree.resolve("include/config"));
        Files.writeString(tree.resolve("include/config/kernel.release"), "6.12.0-scx\n");
        Files.writeString(tree.resolve(".config"), "CONFIG_SCHED_CLASS_EXT=y\n");

        ResolvedKernel kernel = resolver.resolve(bzImage.toString());

        assertEquals("6.12.0-scx", kernel.release());
        kernel.require("SCHED_CLASS_EXT");
    }

    @Test
    void badValuesAreNamedWithWhereTheyCameFrom() throws IOException {
        cacheKernels();
        env.put("KVMUNIT_KERNEL", temp.resolve("missing/vmlinuz").toString());
        KernelException missing = assertThrows(KernelException.class, () -> resolver.resolve());
        assertTrue(missing.getMessage().contains("missing/vmlinuz: does not exist")
                && missing.getMessage().contains("KVMUNIT_KERNEL"), missing.getMessage());

        KernelException word = assertThrows(KernelException.class, () -> resolver.resolve("latest"));
        assertTrue(word.getMessage().contains("'latest'") && word.getMessage().contains(CACHED_NEW), word.getMessage());

        Path junk = Files.writeString(temp.resolve("junk"), "x".repeat(4096));
        KernelException notKernel = assertThrows(KernelException.class, () -> resolver.resolve(junk.toString()));
        assertTrue(notKernel.getMessage().contains(junk + ": is not a kernel"), notKernel.getMessage());
    }

    @Test
    void aTruncatedCachedKernelIsReportedNotBooted() throws IOException {
        cacheKernels();
        Path image = cache.directory().resolve(CACHED_NEW).resolve("boot/vmlinuz-" + CACHED_NEW);
        Files.write(image, Arrays.copyOf(Files.readAllBytes(image), 1100));

        KernelException e = assertThrows(KernelException.class, () -> resolver.resolve());

        assertTrue(e.getMessage().contains("is truncated") && e.getMessage().contains("newest kernel in"), e.getMessage());
    }

    @Test
    void aNamedKernelIsBuiltOnlyWhenItsNameIsAskedFor() throws IOException {
        cacheKernels();
        Path built = imageFile("bzImage", "6.12.118");
        int[] builds = {0};
        KernelResolver named = resolver.withNamedKernel("sched-ext", () -> {
            builds[0]++;
            return new ResolvedKernel(built, "6.12.118", Optional.empty(), Optional.empty(), "kernel build a5de");
        });

        assertEquals(CACHED_NEW, named.resolve().release());
        assertEquals(0, builds[0], "the name was not asked for");
        ResolvedKernel kernel = named.resolve("sched-ext");

        assertEquals(1, builds[0]);
        assertEquals(built, kernel.image());
        assertEquals("the explicitly requested kernel: kernel build a5de", kernel.origin());
        KernelException unknown = assertThrows(KernelException.class, () -> named.resolve("sched_ext"));
        assertTrue(unknown.getMessage().contains("nor a kernel name (sched-ext)"), unknown.getMessage());
    }

    @Test
    void aPreferredKernelTakesThePlaceOfCacheHostAndDefaultButNotOfWhatIsConfigured() throws IOException {
        cacheKernels();
        hostImage();
        Path built = imageFile("bzImage", "6.12.118");
        KernelResolver named = resolver.withNamedKernel("sched-ext",
                () -> new ResolvedKernel(built, "6.12.118", Optional.empty(), Optional.empty(), "kernel build a5de"));

        ResolvedKernel preferred = named.resolvePreferring("", "sched-ext", "the default of scheduler tests");
        assertEquals(built, preferred.image());
        assertEquals("the default of scheduler tests (sched-ext): kernel build a5de", preferred.origin());

        Path fromEnv = imageFile("vmlinuz-e", "e");
        env.put("KVMUNIT_KERNEL", fromEnv.toString());
        assertEquals(fromEnv, named.resolvePreferring("", "sched-ext", "the default of scheduler tests").image());
        assertEquals(CACHED_OLD, named.resolvePreferring(CACHED_OLD, "sched-ext", "why").release());
    }
}
