package dev.kvmunit.internal.vmm.image;

import java.nio.file.Path;
import java.time.Clock;

/**
 * One of several JVMs asking the cache for the same base at the same moment (started by
 * {@link ImageCacheAcrossJvmsTest}). Arguments: cache root, start time in epoch millis. Prints
 * {@code built <key>} or {@code reused <key>}. Its build is slowed down so that the others
 * certainly arrive while it still holds the lock.
 */
public final class CacheContender {
    private CacheContender() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long startAt = Long.parseLong(args[1]);
        ImageCache cache = new ImageCache(root, new FileDigestCache(root.resolve("digests").resolve("files.tsv")),
                (contents, out) -> {
                    try {
                        Thread.sleep(1500);
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException("interrupted while holding the build lock");
                    }
                    InitramfsWriter.write(contents, out);
                }, Clock.systemUTC());
        InitramfsContents contents = new InitramfsContents().file("/payload", 0644, new byte[3 << 20])
                .charDevice("/dev/console", 0600, 5, 1);
        long wait = startAt - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        CachedImage image = cache.base(contents);
        System.out.println((image.built() ? "built " : "reused ") + image.key());
    }
}
