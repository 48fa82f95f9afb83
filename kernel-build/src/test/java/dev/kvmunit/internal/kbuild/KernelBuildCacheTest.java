package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBuildCacheTest {
    private static final Toolchain TOOLS = new Toolchain("gcc 12", "clang 19");

    @TempDir
    Path dir;

    private static BuildKey key(String source) {
        return new BuildKey(source, List.of("f1"), TOOLS);
    }

    /** Writes what a finished build has, and its log, as KernelBuild would. */
    private static KernelBuildCache.EntryWork fake(KernelBuildCache cache, BuildKey key, AtomicInteger runs) {
        return (work, entry) -> {
            runs.incrementAndGet();
            Files.writeString(cache.log(key), "make output\n");
            BuiltKernels.write(entry, "6.12.118", List.of("scx_simple"));
            KernelBuildCache.writeInfo(entry, key, 812, 79, Duration.ofSeconds(420));
        };
    }

    @Test
    void aBuildIsPublishedUnderItsKeyWithItsLogAndFoundAfterwards() {
        KernelBuildCache cache = new KernelBuildCache(dir.resolve("kernel-builds"));
        BuildKey key = key("debian linux-source-6.12=6.12.118-1~deb12u1");
        AtomicInteger runs = new AtomicInteger();
        assertEquals(Optional.empty(), cache.find(key));

        BuiltKernel built = cache.build(key, fake(cache, key, runs), waited -> { });
        BuiltKernel again = cache.build(key, fake(cache, key, runs), waited -> { });

        assertEquals(1, runs.get());
        assertEquals(dir.resolve("kernel-builds").resolve(key.name()), built.directory());
        assertEquals(built, again);
        assertEquals(Optional.of(built), cache.find(key));
        assertEquals(List.of(built), cache.list());
        assertTrue(Files.isRegularFile(built.directory().resolve(BuiltKernel.LOG)));
        assertFalse(Files.exists(cache.log(key)), "the log moved into the build");
        assertEquals(812, cache.expectedObjects(key, KernelBuildCache.KERNEL_OBJECTS, 1000));
        assertEquals(79, cache.expectedObjects(key("another source"), KernelBuildCache.SCHEDULER_OBJECTS, 80),
                "same fragments, another source: a good estimate");
        assertEquals(1000, cache.expectedObjects(new BuildKey("s", List.of("other"), TOOLS),
                KernelBuildCache.KERNEL_OBJECTS, 1000));
    }

    @Test
    void aFailedBuildLeavesItsLogAndNoEntryNorStaging() throws IOException {
        KernelBuildCache cache = new KernelBuildCache(dir);
        BuildKey key = key("tree");

        assertThrows(KernelBuildException.class, () -> cache.build(key, (work, entry) -> {
            Files.writeString(cache.log(key), "error: ext.c:1: boom\n");
            Files.writeString(entry.resolve(BuiltKernel.IMAGE), "half");
            throw new KernelBuildException("step failed");
        }, waited -> { }));

        assertEquals("error: ext.c:1: boom\n", Files.readString(cache.log(key)));
        assertEquals(Optional.empty(), cache.find(key));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".staging-")).toList());
        }
    }

    @Test
    void severalThreadsAskingAtOnceBuildOnceAndTheWaitersAreTold() throws Exception {
        KernelBuildCache cache = new KernelBuildCache(dir);
        BuildKey key = key("debian");
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch building = new CountDownLatch(1);
        List<Duration> waits = new ArrayList<>();
        KernelBuildCache.EntryWork slow = (work, entry) -> {
            building.countDown();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            fake(cache, key, runs).fill(work, entry);
        };
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<BuiltKernel> first = pool.submit(() -> cache.build(key, slow, waited -> { }));
            building.await();
            List<Future<BuiltKernel>> later = List.of(
                    pool.submit(() -> cache.build(key, slow, waited -> {
                        synchronized (waits) {
                            waits.add(waited);
                        }
                    })),
                    pool.submit(() -> cache.build(key, slow, waited -> { })));

            BuiltKernel built = first.get();
            for (Future<BuiltKernel> f : later) {
                assertEquals(built, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, runs.get());
        assertFalse(waits.isEmpty(), "a waiter hears that it waits");
    }
}
