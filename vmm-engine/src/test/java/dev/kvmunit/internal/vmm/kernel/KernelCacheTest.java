package dev.kvmunit.internal.vmm.kernel;

import dev.kvmunit.internal.vmm.sys.FileLockWaiters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelCacheTest {
    @TempDir
    Path temp;

    private static void addKernel(KernelCache cache, String release) throws IOException {
        Path boot = Files.createDirectories(cache.directory().resolve(release).resolve("boot"));
        Files.writeString(boot.resolve("vmlinuz-" + release), "image");
    }

    @Test
    void honoursXdgCacheHomeOnlyWhenAbsolute() {
        Path home = Path.of("/home/u");
        assertEquals(Path.of("/x/kvmunit/kernels"), KernelCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/x")::get, home));
        assertEquals(home.resolve(".cache/kvmunit/kernels"),
                KernelCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "rel")::get, home));
        assertEquals(home.resolve(".cache/kvmunit/kernels"), KernelCache.defaultDirectory(Map.<String, String>of()::get, home));
    }

    @Test
    void listsCompleteEntriesNewestFirst() throws IOException {
        KernelCache cache = new KernelCache(temp);
        addKernel(cache, "6.1.0-56-cloud-amd64");
        addKernel(cache, "6.12.9+deb12-cloud-amd64");
        addKernel(cache, "6.12.10+deb12-cloud-amd64");
        Files.createDirectories(temp.resolve("6.13-without-image/boot"));
        Files.createDirectories(temp.resolve(".staging-123/boot"));

        assertEquals(List.of("6.12.10+deb12-cloud-amd64", "6.12.9+deb12-cloud-amd64", "6.1.0-56-cloud-amd64"),
                cache.list().stream().map(KernelTree::release).toList());
        assertEquals("6.1.0-56-cloud-amd64", cache.newestMatching(new VersionPrefix("6.1")).orElseThrow().release());
        assertEquals(Optional.empty(), cache.find("6.13-without-image"));
        assertEquals(Optional.empty(), cache.find("../escape"));
    }

    @Test
    void publishesAtomicallyAndCleansAbandonedStaging() throws IOException {
        KernelCache cache = new KernelCache(temp);
        Path abandoned = Files.createDirectories(temp.resolve(".staging-killed-jvm"));

        KernelTree tree = cache.underLock(() -> {
            Path staging = cache.newStagingDirectory();
            Files.createDirectories(staging.resolve("boot"));
            Files.writeString(staging.resolve("boot/vmlinuz-6.12.1"), "image");
            return cache.publish(staging, "6.12.1");
        });

        assertFalse(Files.exists(abandoned));
        assertEquals(Optional.of(tree), cache.find("6.12.1"));
    }

    @Test
    void lockHoldersRunOneAtATime() throws Exception {
        KernelCache cache = new KernelCache(temp);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return new KernelCache(temp).underLock(() -> {
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.yield();
                        return inside.decrementAndGet();
                    });
                }));
            }
            start.countDown();
            for (Future<Integer> f : results) {
                assertEquals(0, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, maxInside.get());
        assertTrue(Files.exists(cache.directory().resolve(".lock")));
    }

    @Test
    void anotherJvmHoldingTheLockIsWaitedFor() throws Exception {
        Path marker = temp.resolve("marker");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CacheLockHolder.class.getName(),
                temp.toString(), marker.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (var fromHolder = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", fromHolder.readLine());

            Future<Boolean> markerSeenUnderLock = pool.submit(() -> new KernelCache(temp).underLock(() -> Files.exists(marker)));
            // Linux lists this JVM as blocked on the lock the other JVM holds; a broken lock lets it in instead.
            long self = ProcessHandle.current().pid();
            FileLockWaiters.await(temp.resolve(".lock"), waiters -> waiters.contains(self),
                    () -> markerSeenUnderLock.isDone() ? "this JVM got the lock while the other JVM still held it" : null);
            assertFalse(markerSeenUnderLock.isDone(), "this JVM went ahead while waiting for the other JVM");
            holder.getOutputStream().write('\n');
            holder.getOutputStream().close();

            assertTrue(markerSeenUnderLock.get(), "this JVM got the lock while the other JVM still held it");
            assertEquals(0, holder.waitFor());
        } finally {
            pool.shutdownNow();
            holder.destroyForcibly();
        }
    }
}
