package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cached base followed by a small per-test overlay, as the kernel unpacks the pair. */
class BaseAndOverlayTest {
    @TempDir
    Path dir;

    @Test
    void overlayAddsAndReplacesFilesOfTheBase() throws Exception {
        ImageCache cache = new ImageCache(dir.resolve("cache"));
        CachedImage base = cache.base(new InitramfsContents()
                .file("/etc/motd", 0644, text("from the base"))
                .file("/bin/probe", 0755, text("probe binary"))
                .charDevice("/dev/console", 0600, 5, 1));
        Path overlay = InitramfsWriter.writeFile(new InitramfsContents()
                .file("/etc/motd", 0600, text("from the test"))
                .file("/kvmunit/args", 0644, text("--seconds=2")), dir.resolve("overlay.cpio.lz4"));

        Map<String, KernelInitramfsReader.Node> root = KernelInitramfsReader.unpack(concatenate(base.path(), overlay));

        assertEquals("from the test", string(root.get("etc/motd")));
        assertEquals(ImageEntry.S_IFREG | 0600, root.get("etc/motd").mode());
        assertEquals("--seconds=2", string(root.get("kvmunit/args")));
        assertEquals("probe binary", string(root.get("bin/probe")));
        assertEquals(ImageEntry.S_IFCHR | 0600, root.get("dev/console").mode());
        assertEquals(5, root.get("dev/console").rdevMajor());
        assertEquals(1, root.get("dev/console").rdevMinor());
    }

    @Test
    void manyTestsShareOneBaseBuildAndHashEachBaseFileOnce() throws Exception {
        Path library = Files.write(dir.resolve("libbig.so"), new byte[2 << 20]);
        Path binary = Files.writeString(dir.resolve("probe"), "probe");
        AtomicInteger hashes = new AtomicInteger();
        AtomicInteger builds = new AtomicInteger();

        for (int test = 0; test < 5; test++) {
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
            FileDigestCache digests = new FileDigestCache(dir.resolve("cache/digests/files.tsv"), file -> {
                hashes.incrementAndGet();
                return FileDigestCache.hash(file);
            }, later);
            ImageCache cache = new ImageCache(dir.resolve("cache"), digests, (contents, out) -> {
                builds.incrementAndGet();
                InitramfsWriter.write(contents, out);
            }, later);
            CachedImage base = cache.base(new InitramfsContents().file("/usr/lib/libbig.so", 0755, library)
                    .file("/usr/bin/probe", 0755, binary));
            Path overlay = InitramfsWriter.writeFile(new InitramfsContents().file("/kvmunit/args", 0644,
                    text("test " + test)), dir.resolve("overlay-" + test));

            Map<String, KernelInitramfsReader.Node> root = KernelInitramfsReader.unpack(concatenate(base.path(), overlay));
            assertEquals("test " + test, string(root.get("kvmunit/args")));
        }

        assertEquals(1, builds.get(), "the base is compressed once");
        assertEquals(2, hashes.get(), "each base file is read once");
    }

    private static byte[] concatenate(Path first, Path second) throws IOException {
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(Files.readAllBytes(first));
        both.write(Files.readAllBytes(second));
        return both.toByteArray();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(KernelInitramfsReader.Node node) {
        return new String(node.data(), StandardCharsets.UTF_8);
    }
}
