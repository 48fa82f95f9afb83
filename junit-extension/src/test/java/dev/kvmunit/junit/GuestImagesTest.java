package dev.kvmunit.junit;

import dev.kvmunit.vmm.image.ImageCache;
import dev.kvmunit.vmm.kernel.ResolvedKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The archives a test boots from: the base alone, or the base then the cached binary layer. */
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

        Path base = images.forTest(KERNEL, List.of()).archives().get(0);
        GuestImages.TestImages first = images.forTest(KERNEL, binaries);
        GuestImages.TestImages again = images.forTest(KERNEL, binaries);
        Gcc.compile(dir, "int main(void) { return 1; }\n", probe);
        GuestImages.TestImages rebuilt = images.forTest(KERNEL, binaries);

        assertEquals(List.of(base), images.forTest(KERNEL, List.of()).archives(), "no binaries, no layer");
        assertEquals(2, first.archives().size());
        assertEquals(base, first.archives().get(0), "the base comes first and is shared");
        assertNotEquals(base, first.archives().get(1));
        assertEquals(first, again, "an unchanged binary reuses its cached layer");
        assertEquals(base, rebuilt.archives().get(0));
        assertNotEquals(first.archives().get(1), rebuilt.archives().get(1), "a rebuilt binary gets a new layer");
    }
}
