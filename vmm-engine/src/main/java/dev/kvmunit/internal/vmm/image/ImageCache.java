package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Compressed initramfs bases on disk, keyed by content ({@link ImageKey}), so a test run builds a
 * base once and every later VM, in this JVM or another, reuses it.
 *
 * <p>Layout under {@code <root>/images/}: {@code <key>.cpio.lz4} the archive, {@code <key>.sha256}
 * its sidecar (digest, size, kind, format), {@code <key>.lock} the lock file, and
 * {@code <key>.*.tmp} files being written. An entry is written to a temp file and renamed into
 * place, then its sidecar likewise, so readers see a whole entry or none. Concurrent JVMs building
 * the same key serialise on a {@link FileChannel#lock()} of its lock file; the loser finds the
 * winner's entry and reuses it. Every entry is checked against its sidecar's SHA-256 the first
 * time this instance hands it out; a truncated or corrupted entry is rebuilt, never returned.
 */
public final class ImageCache {
    public static final String BASE_KIND = "initramfs-base";
    /** Temp files older than this whose key nobody holds locked are left from a killed build. */
    static final Duration STALE_TEMPORARY_AGE = Duration.ofMinutes(10);
    private static final int PAGE = 4096;
    private static final String ENTRY_SUFFIX = ".cpio.lz4";
    private static final String SIDECAR_SUFFIX = ".sha256";
    private static final String LOCK_SUFFIX = ".lock";
    private static final String TEMP_SUFFIX = ".tmp";

    /**
     * FileChannel locks belong to the whole JVM and throw when taken twice in one JVM, so threads of
     * one JVM (and several ImageCache instances over one root) first queue on these.
     */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** Writes a compressed archive of some contents; a seam so tests can count builds. */
    interface ArchiveWriter {
        void write(InitramfsContents contents, OutputStream out) throws IOException;
    }

    private record Stamp(long size, FileTime modified, Object fileKey, String digest) {
    }

    private final Path images;
    private final FileDigestCache digests;
    private final ArchiveWriter writer;
    private final Clock clock;
    private final Map<String, Stamp> verified = new ConcurrentHashMap<>();

    /** A cache rooted at {@code root} (images under {@code root/images}, file digests under {@code root/digests}). */
    public ImageCache(Path root) {
        this(root, new FileDigestCache(root.resolve("digests").resolve("files.tsv")), InitramfsWriter::write,
                Clock.systemUTC());
    }

    ImageCache(Path root, FileDigestCache digests, ArchiveWriter writer, Clock clock) {
        this.images = root.resolve("images");
        this.digests = digests;
        this.writer = writer;
        this.clock = clock;
    }

    /** {@code $XDG_CACHE_HOME/kvmunit}, or {@code ~/.cache/kvmunit} when XDG_CACHE_HOME is unset or relative. */
    public static Path defaultRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "kvmunit");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "kvmunit");
    }

    /** The cached base for {@code contents}, built now if no valid entry exists. */
    @SuppressWarnings("try") // the KeyLock is held for the scope, never read
    public CachedImage base(InitramfsContents contents) throws IOException {
        String key = ImageKey.of(contents, digests);
        digests.save();
        Optional<CachedImage> ready = verifiedEntry(key);
        if (ready.isPresent()) {
            return ready.get();
        }
        Files.createDirectories(images);
        CachedImage built;
        try (KeyLock lock = KeyLock.acquire(lockFile(key))) {
            ready = verifiedEntry(key);
            if (ready.isPresent()) {
                return ready.get();
            }
            deleteTemporaries(key);
            built = build(key, contents);
        }
        // Only after our lock is released: this JVM cannot take a second FileChannel lock on it.
        sweepStaleTemporaries();
        return built;
    }

    /** Every complete entry, oldest first. */
    public List<CacheEntry> list() throws IOException {
        List<CacheEntry> entries = new ArrayList<>();
        for (Path sidecar : filesEndingWith(SIDECAR_SUFFIX)) {
            String key = keyOf(sidecar);
            Path entry = entryFile(key);
            Optional<Properties> properties = readSidecar(key);
            if (properties.isPresent()) {
                try {
                    var attributes = Files.readAttributes(entry, BasicFileAttributes.class);
                    entries.add(new CacheEntry(key, properties.get().getProperty("kind", "unknown"), attributes.size(),
                            attributes.lastModifiedTime().toInstant(), entry));
                } catch (NoSuchFileException e) {
                    // being rebuilt or cleaned by another process right now
                }
            }
        }
        entries.sort((a, b) -> a.created().compareTo(b.created()));
        return entries;
    }

    /**
     * Deletes entries built before {@code now - olderThan} (all entries for {@link Duration#ZERO}),
     * and temp files left by killed builds. Entries being built right now are skipped.
     *
     * @return the entries deleted
     */
    @SuppressWarnings("try") // the KeyLock is held for the scope, never read
    public List<CacheEntry> clean(Duration olderThan) throws IOException {
        Instant cutoff = clock.instant().minus(olderThan);
        List<CacheEntry> deleted = new ArrayList<>();
        for (CacheEntry entry : list()) {
            if (!entry.created().isAfter(cutoff)) {
                Optional<KeyLock> lock = KeyLock.tryAcquire(lockFile(entry.key()));
                if (lock.isPresent()) {
                    try (KeyLock held = lock.get()) {
                        Files.deleteIfExists(sidecarFile(entry.key()));
                        Files.deleteIfExists(entryFile(entry.key()));
                        verified.remove(entry.key());
                        deleted.add(entry);
                    }
                }
            }
        }
        sweepStaleTemporaries();
        return deleted;
    }

    /** Deletes temp files older than {@link #STALE_TEMPORARY_AGE} whose key no build holds locked. */
    @SuppressWarnings("try") // the KeyLock is held for the scope, never read
    void sweepStaleTemporaries() throws IOException {
        Instant cutoff = clock.instant().minus(STALE_TEMPORARY_AGE);
        for (Path temp : filesEndingWith(TEMP_SUFFIX)) {
            FileTime modified;
            try {
                modified = Files.getLastModifiedTime(temp);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (modified.toInstant().isBefore(cutoff)) {
                Optional<KeyLock> lock = KeyLock.tryAcquire(lockFile(keyOf(temp)));
                if (lock.isPresent()) {
                    try (KeyLock held = lock.get()) {
                        Files.deleteIfExists(temp);
                    }
                }
            }
        }
    }

    private CachedImage build(String key, InitramfsContents contents) throws IOException {
        Path temp = Files.createTempFile(images, key + ".", TEMP_SUFFIX);
        try {
            MessageDigest sha256 = FileDigestCache.sha256();
            long size;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha256)) {
                writer.write(contents, out);
                long written = channel.position();
                int padding = (int) ((PAGE - written % PAGE) % PAGE);
                out.write(new byte[padding]);
                out.flush();
                size = channel.position();
                channel.force(true);
            }
            Path entry = entryFile(key);
            Files.move(temp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            String digest = HexFormat.of().formatHex(sha256.digest());
            writeSidecar(key, digest, size);
            verified.put(key, stampOf(entry, digest));
            return new CachedImage(key, entry, size, true);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void writeSidecar(String key, String digest, long size) throws IOException {
        String text = "sha256=" + digest + "\nsize=" + size + "\nkind=" + BASE_KIND + "\nformat="
                + InitramfsWriter.FORMAT_VERSION + "\n";
        Path temp = Files.createTempFile(images, key + ".", TEMP_SUFFIX);
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, sidecarFile(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The entry for {@code key} if it exists and matches its sidecar; hashed once per instance and file version. */
    private Optional<CachedImage> verifiedEntry(String key) throws IOException {
        Path entry = entryFile(key);
        Optional<Properties> sidecar = readSidecar(key);
        if (sidecar.isEmpty() || !Files.isRegularFile(entry)) {
            return Optional.empty();
        }
        String expectedDigest = sidecar.get().getProperty("sha256", "");
        long expectedSize;
        try {
            expectedSize = Long.parseLong(sidecar.get().getProperty("size", "-1"));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Stamp now;
        try {
            now = stampOf(entry, expectedDigest);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (now.size() != expectedSize) {
            return Optional.empty();
        }
        if (!now.equals(verified.get(key))) {
            if (!HexFormat.of().formatHex(FileDigestCache.hash(entry)).equals(expectedDigest)) {
                return Optional.empty();
            }
            verified.put(key, now);
        }
        return Optional.of(new CachedImage(key, entry, expectedSize, false));
    }

    private Optional<Properties> readSidecar(String key) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(sidecarFile(key))) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(properties);
    }

    private static Stamp stampOf(Path entry, String digest) throws IOException {
        var attributes = Files.readAttributes(entry, BasicFileAttributes.class);
        return new Stamp(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey(), digest);
    }

    private void deleteTemporaries(String key) throws IOException {
        for (Path temp : filesEndingWith(TEMP_SUFFIX)) {
            if (keyOf(temp).equals(key)) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private List<Path> filesEndingWith(String suffix) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(images)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(images, "*" + suffix)) {
            stream.forEach(files::add);
        }
        return files;
    }

    private static String keyOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private Path entryFile(String key) {
        return images.resolve(key + ENTRY_SUFFIX);
    }

    private Path sidecarFile(String key) {
        return images.resolve(key + SIDECAR_SUFFIX);
    }

    private Path lockFile(String key) {
        return images.resolve(key + LOCK_SUFFIX);
    }

    /** Exclusive ownership of one key, against other threads of this JVM and against other JVMs. */
    private static final class KeyLock implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private KeyLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        static KeyLock acquire(Path lockFile) throws IOException {
            ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath(), p -> new ReentrantLock());
            jvmLock.lock();
            try {
                FileChannel channel = open(lockFile);
                try {
                    return new KeyLock(jvmLock, channel, channel.lock());
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                jvmLock.unlock();
                throw e;
            }
        }

        static Optional<KeyLock> tryAcquire(Path lockFile) throws IOException {
            ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath(), p -> new ReentrantLock());
            if (!jvmLock.tryLock()) {
                return Optional.empty();
            }
            try {
                FileChannel channel = open(lockFile);
                FileLock fileLock = channel.tryLock();
                if (fileLock == null) {
                    channel.close();
                    jvmLock.unlock();
                    return Optional.empty();
                }
                return Optional.of(new KeyLock(jvmLock, channel, fileLock));
            } catch (IOException | RuntimeException e) {
                jvmLock.unlock();
                throw e;
            }
        }

        private static FileChannel open(Path lockFile) throws IOException {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }

        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                jvmLock.unlock();
            }
        }
    }
}
