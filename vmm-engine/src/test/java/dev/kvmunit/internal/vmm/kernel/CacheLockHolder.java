package dev.kvmunit.internal.vmm.kernel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a second JVM by {@link KernelCacheTest}: takes the cache lock, says "locked", waits
 * for a line on stdin, then leaves a marker file before it lets go of the lock.
 */
public final class CacheLockHolder {
    private CacheLockHolder() {
    }

    public static void main(String[] args) {
        Path cacheDir = Path.of(args[0]);
        Path marker = Path.of(args[1]);
        new KernelCache(cacheDir).underLock(() -> {
            System.out.println("locked");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            Files.writeString(marker, "written while holding the lock");
            return null;
        });
    }
}
