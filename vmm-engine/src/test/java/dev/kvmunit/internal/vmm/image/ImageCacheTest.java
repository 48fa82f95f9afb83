package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {
    /** Far enough ahead that freshly written test files are outside the racy window. */
    private static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));

    @TempDir
    Path dir;
    private Path root;
    private final AtomicInteger hashes = new AtomicInteger();
    private final AtomicInteger builds = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("cache"));
    }

    @Test
    void buildsOnceAndReusesThePaddedVerifiedEntry() throws Exception {
        InitramfsContents contents = sample();
        ImageCache cache = cache(LATER);

        CachedImage first = cache.base(contents);
        CachedImage second = cache.base(contents);

        assertTrue(first.built());
        assertFalse(second.built());
        assertEquals(first.key(), second.key());
        assertEquals(1, builds.get());
        assertEquals(0, Files.size(first.path()) % 4096, "padded to whole pages");
        assertEquals(Files.size(first.path()), first.size());
        Map<String, KernelInitramfsReader.Node> tree = KernelInitramfsReader.unpack(Files.readAllBytes(first.path()));
        assertEquals("hello", new String(tree.get("etc/greeting").data(), StandardCharsets.UTF_8));
        assertTrue(first.path().startsWith(root.resolve("images")));
    }

    @Test
    void warmRunReadsOnlyMetadataOfUnchangedFiles() throws Exception {
        Path a = Files.writeString(dir.resolve("a.bin"), "a".repeat(1000));
        Path b = Files.writeString(dir.resolve("b.bin"), "b".repeat(1000));
        Path c = Files.writeString(dir.resolve("c.bin"), "c".repeat(1000));
        InitramfsContents contents = new InitramfsContents().file("/a", 0644, a).file("/b", 0644, b).file("/c", 0755, c);

        CachedImage cold = cache(LATER).base(contents);
        assertEquals(3, hashes.get());
        assertEquals(1, builds.get());

        // A new JVM: fresh instances over the same directory.
        CachedImage warm = cache(LATER).base(contents);
        assertEquals(3, hashes.get(), "no base file was read again");
        assertEquals(1, builds.get(), "nothing was compressed again");
        assertEquals(cold.key(), warm.key());
        assertFalse(warm.built());

        Files.writeString(b, "B".repeat(1000));
        CachedImage changed = cache(LATER).base(contents);
        assertEquals(4, hashes.get(), "only the changed file is hashed");
        assertEquals(2, builds.get());
        assertNotEquals(cold.key(), changed.key());
    }

    @Test
    void filesYoungerThanTheRacyWindowAreNotRemembered() throws Exception {
        Path fresh = Files.writeString(dir.resolve("fresh.bin"), "just written");
        InitramfsContents contents = new InitramfsContents().file("/fresh", 0644, fresh);

        cache(Clock.systemUTC()).base(contents);
        cache(Clock.systemUTC()).base(contents);

        assertEquals(2, hashes.get(), "a file modified just now may change again within its mtime tick");
    }

    @Test
    void corruptedTruncatedOrUnsignedEntriesAreRebuiltNotReturned() throws Exception {
        InitramfsContents contents = sample();
        CachedImage original = cache(LATER).base(contents);
        byte[] good = Files.readAllBytes(original.path());

        byte[] flipped = good.clone();
        flipped[100] ^= 0x40;
        Files.write(original.path(), flipped);
        assertRebuilt(contents, good);

        try (FileChannel channel = FileChannel.open(original.path(), StandardOpenOption.WRITE)) {
            channel.truncate(good.length / 2);
        }
        assertRebuilt(contents, good);

        Files.delete(root.resolve("images").resolve(original.key() + ".sha256"));
        assertRebuilt(contents, good);
        assertEquals(4, builds.get());
    }

    @Test
    void staleTemporariesAreRemovedUnlessTheirBuildIsRunning() throws Exception {
        Path images = Files.createDirectories(root.resolve("images"));
        Path stale = Files.writeString(images.resolve("deadbeef.123.tmp"), "left by a killed build");
        Path young = Files.writeString(images.resolve("cafe.456.tmp"), "being written");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

        cache(Clock.systemUTC()).sweepStaleTemporaries();

        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(young));

        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ImageCache slow = new ImageCache(root, new FileDigestCache(root.resolve("digests.tsv")), (contents, out) -> {
            out.write(1);
            writing.countDown();
            await(release);
            InitramfsWriter.write(contents, out);
        }, Clock.systemUTC());
        CompletableFuture<CachedImage> build = CompletableFuture.supplyAsync(() -> {
            try {
                return slow.base(sample());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(writing.await(30, TimeUnit.SECONDS));
        List<Path> inProgress = temporaries(images).stream().filter(p -> !p.equals(young)).toList();
        assertEquals(1, inProgress.size(), inProgress::toString);

        ImageCache anHourLater = cache(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        anHourLater.sweepStaleTemporaries();
        assertTrue(Files.exists(inProgress.get(0)), "a locked build's temp file survives however old it looks");
        assertFalse(Files.exists(young), "an unlocked one is removed once old enough");

        release.countDown();
        assertTrue(build.get(30, TimeUnit.SECONDS).built());
        assertEquals(List.of(), temporaries(images));
    }

    @Test
    void listAndCleanByAge() throws Exception {
        ImageCache cache = cache(LATER);
        CachedImage old = cache.base(sample());
        CachedImage recent = cache.base(new InitramfsContents().file("/other", 0644, new byte[] {1, 2, 3}));
        Files.setLastModifiedTime(old.path(), FileTime.from(Instant.now().minus(Duration.ofDays(10))));

        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        assertEquals(0, command(cache, listing).run(List.of("list")));
        String text = listing.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains(old.key()) && text.contains(recent.key()), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith(old.key()) && l.contains(" 10d ")
                && l.endsWith(ImageCache.BASE_KIND)), text);

        ByteArrayOutputStream cleaned = new ByteArrayOutputStream();
        assertEquals(0, command(cache, cleaned).run(List.of("clean", "--older-than", "7d")));
        assertTrue(cleaned.toString(StandardCharsets.UTF_8).startsWith("deleted 1 cached image(s)"));
        assertEquals(List.of(recent.key()), cache.list().stream().map(CacheEntry::key).toList());
        assertFalse(Files.exists(old.path()));

        assertEquals(0, command(cache, new ByteArrayOutputStream()).run(List.of("clean")));
        assertEquals(List.of(), cache.list());
    }

    @Test
    void badCommandLinesSayHowToUseThem() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CacheCommand command = new CacheCommand(cache(LATER), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(2, command.run(List.of("clean", "--older-than", "soon")));
        assertEquals(2, command.run(List.of("purge")));

        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("'soon' is not a duration"), text);
        assertTrue(text.contains("usage: cache list"), text);
        assertEquals(Duration.ofHours(12), CacheCommand.parseDuration("PT12H"));
        assertEquals(Duration.ofMinutes(30), CacheCommand.parseDuration("30m"));
    }

    private void assertRebuilt(InitramfsContents contents, byte[] good) throws IOException {
        CachedImage again = cache(LATER).base(contents);
        assertTrue(again.built(), "a damaged entry must be rebuilt");
        assertArrayEquals(good, Files.readAllBytes(again.path()));
    }

    private ImageCache cache(Clock clock) {
        FileDigestCache digests = new FileDigestCache(root.resolve("digests").resolve("files.tsv"), file -> {
            hashes.incrementAndGet();
            return FileDigestCache.hash(file);
        }, clock);
        return new ImageCache(root, digests, (contents, out) -> {
            builds.incrementAndGet();
            InitramfsWriter.write(contents, out);
        }, clock);
    }

    private static CacheCommand command(ImageCache cache, ByteArrayOutputStream out) {
        return new CacheCommand(cache, new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                Clock.fixed(Instant.now(), ZoneOffset.UTC));
    }

    private static InitramfsContents sample() {
        return new InitramfsContents().file("/etc/greeting", 0644, "hello".getBytes(StandardCharsets.UTF_8))
                .charDevice("/dev/console", 0600, 5, 1).symlink("/init", "/bin/init");
    }

    private static List<Path> temporaries(Path images) throws IOException {
        try (var files = Files.list(images)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
