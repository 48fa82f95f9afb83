package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.image.InitramfsContents;
import dev.kvmunit.internal.vmm.image.InitramfsWriter;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The archives a test boots from: the base, then the cached binary layer, then the per-test overlay. */
class GuestImagesTest {
    private static final ResolvedKernel KERNEL = new ResolvedKernel(Path.of("/boot/vmlinuz-6.12.0"), "6.12.0",
            Optional.empty(), Optional.empty(), "a test");

    @TempDir
    Path dir;

    @Test
    void binariesFormASecondArchiveCachedByTheirContent() throws Exception {
        GuestImages images = new GuestImages(new ImageCache(dir.resolve("cache")));
        Path probe = Gcc.compile(dir, "int main(void) { return 0; }\n", dir.resolve("probe"));
        List<ResolvedBinary> binaries = List.of(new ResolvedBinary("probe", "probe", probe, "a test"));

        Path base = images.forTest(KERNEL, List.of(), Optional.empty()).archives().get(0);
        GuestImages.TestImages first = images.forTest(KERNEL, binaries, Optional.empty());
        GuestImages.TestImages again = images.forTest(KERNEL, binaries, Optional.empty());
        Gcc.compile(dir, "int main(void) { return 1; }\n", probe);
        GuestImages.TestImages rebuilt = images.forTest(KERNEL, binaries, Optional.empty());

        assertEquals(List.of(base), images.forTest(KERNEL, List.of(), Optional.empty()).archives(), "no binaries, no layer");
        assertEquals(2, first.archives().size());
        assertEquals(base, first.archives().get(0), "the base comes first and is shared");
        assertNotEquals(base, first.archives().get(1));
        assertEquals(first, again, "an unchanged binary reuses its cached layer");
        assertEquals(base, rebuilt.archives().get(0));
        assertNotEquals(first.archives().get(1), rebuilt.archives().get(1), "a rebuilt binary gets a new layer");
    }

    @Test
    void theOverlayIsATempFileLoadedLast() throws Exception {
        GuestImages images = new GuestImages(new ImageCache(dir.resolve("cache")));
        Path base = images.forTest(KERNEL, List.of(), Optional.empty()).archives().get(0);
        InitramfsContents overlay = new InitramfsContents().file("/etc/motd", 0644, "hi\n".getBytes());

        GuestImages.TestImages test = images.forTest(KERNEL, List.of(), Optional.of(overlay));

        try {
            Path file = test.overlay().orElseThrow();
            assertEquals(List.of(base, file), test.archives());
            assertFalse(file.startsWith(dir.resolve("cache")), "the overlay is not cached");
            assertArrayEquals(InitramfsWriter.toBytes(overlay), Files.readAllBytes(file));
        } finally {
            Files.deleteIfExists(test.overlay().orElseThrow());
        }
    }
}
