package dev.kvmunit.internal.vmm.image;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/**
 * One of several JVMs asking the cache for the same base (started by
 * {@link ImageCacheAcrossJvmsTest}). Argument: the cache root. Prints {@code building} when its
 * build starts, which happens only while it holds the key's lock, and then waits for a line on
 * stdin before it writes the archive, so the test decides when the lock is let go. Ends by
 * printing {@code built <key>} or {@code reused <key>}.
 */
public final class CacheContender {
    private CacheContender() {
    }

    /** What every contender asks for. */
    static InitramfsContents contents() {
        return new InitramfsContents().file("/payload", 0644, new byte[3 << 20]).charDevice("/dev/console", 0600, 5, 1);
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        ImageCache cache = new ImageCache(root, new FileDigestCache(root.resolve("digests").resolve("files.tsv")),
                (contents, out) -> {
                    System.out.println("building");
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    InitramfsWriter.write(contents, out);
                }, Clock.systemUTC());
        CachedImage image = cache.base(contents());
        System.out.println((image.built() ? "built " : "reused ") + image.key());
    }
}
