package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 digests of host files, remembered on disk by (path, size, mtime, ctime, inode) so that a
 * warm run keys a 50 MiB base by reading file metadata only. ctime and the inode are compared too
 * because they cannot be set back by tools that preserve mtime (cp -p, rsync, touch -d), so a
 * changed file is never mistaken for the one that was hashed.
 *
 * <p>Like git's index, a digest is not remembered while the file is younger than {@link #RACY_WINDOW}:
 * a write in the same clock tick as our hash would leave the metadata unchanged. Several JVMs may
 * share the file; each merges its entries into what is on disk and replaces it atomically, and a
 * lost update only costs a rehash later.
 */
public final class FileDigestCache {
    static final Duration RACY_WINDOW = Duration.ofSeconds(2);
    private static final String HEADER = "kvmunit-file-digests-v1";

    /** Reads and hashes a whole file; a seam so tests can count reads of base content. */
    interface ContentHasher {
        byte[] sha256(Path file) throws IOException;
    }

    private record Stamp(long size, long mtimeNanos, long ctimeNanos, long inode, long device) {
    }

    private record Known(Stamp stamp, String digest) {
    }

    private final Path store;
    private final ContentHasher hasher;
    private final Clock clock;
    private final Map<String, Known> known = new HashMap<>();
    private final Map<String, Known> added = new HashMap<>();
    private boolean loaded;

    public FileDigestCache(Path store) {
        this(store, FileDigestCache::hash, Clock.systemUTC());
    }

    FileDigestCache(Path store, ContentHasher hasher, Clock clock) {
        this.store = store;
        this.hasher = hasher;
        this.clock = clock;
    }

    /** Hex SHA-256 of {@code file}'s bytes, from the store when its metadata is unchanged. */
    public synchronized String digest(Path file) throws IOException {
        load();
        String key = file.toAbsolutePath().normalize().toString();
        Stamp before = stamp(file);
        Known hit = known.get(key);
        if (hit != null && hit.stamp().equals(before)) {
            return hit.digest();
        }
        String digest = HexFormat.of().formatHex(hasher.sha256(file));
        Stamp after = stamp(file);
        if (before.equals(after) && oldEnough(after) && storable(key)) {
            Known fresh = new Known(after, digest);
            known.put(key, fresh);
            added.put(key, fresh);
        }
        return digest;
    }

    /** Writes what this process learnt; a no-op when nothing new was hashed. */
    public synchronized void save() throws IOException {
        if (added.isEmpty()) {
            return;
        }
        Map<String, Known> merged = new HashMap<>(read());
        merged.putAll(added);
        Files.createDirectories(store.getParent());
        Path temp = Files.createTempFile(store.getParent(), store.getFileName() + ".", ".tmp");
        try {
            List<String> lines = new ArrayList<>(merged.size() + 1);
            lines.add(HEADER);
            merged.forEach((path, entry) -> lines.add(format(path, entry)));
            Files.write(temp, lines, StandardCharsets.UTF_8);
            Files.move(temp, store, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        added.clear();
    }

    private void load() throws IOException {
        if (!loaded) {
            known.putAll(read());
            loaded = true;
        }
    }

    /** Entries on disk; unreadable or foreign lines are ignored, since all of this can be recomputed. */
    private Map<String, Known> read() throws IOException {
        Map<String, Known> entries = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(store, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return entries;
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            return entries;
        }
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split("\t", 7);
            if (fields.length != 7 || fields[0].length() != 64) {
                continue;
            }
            try {
                Stamp stamp = new Stamp(Long.parseLong(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                        Long.parseLong(fields[4]), Long.parseLong(fields[5]));
                entries.put(fields[6], new Known(stamp, fields[0]));
            } catch (NumberFormatException e) {
                // a damaged line only costs one rehash
            }
        }
        return entries;
    }

    private static String format(String path, Known entry) {
        Stamp s = entry.stamp();
        return entry.digest() + '\t' + s.size() + '\t' + s.mtimeNanos() + '\t' + s.ctimeNanos() + '\t' + s.inode()
                + '\t' + s.device() + '\t' + path;
    }

    private static boolean storable(String path) {
        return path.indexOf('\n') < 0 && path.indexOf('\r') < 0;
    }

    private boolean oldEnough(Stamp stamp) {
        long newest = Math.max(stamp.mtimeNanos(), stamp.ctimeNanos());
        Instant now = clock.instant();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return nowNanos - newest > RACY_WINDOW.toNanos();
    }

    private static Stamp stamp(Path file) throws IOException {
        Map<String, Object> unix = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino,dev");
        return new Stamp((Long) unix.get("size"), nanos((FileTime) unix.get("lastModifiedTime")),
                nanos((FileTime) unix.get("ctime")), (Long) unix.get("ino"), (Long) unix.get("dev"));
    }

    private static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }

    static byte[] hash(Path file) throws IOException {
        MessageDigest sha256 = sha256();
        byte[] buffer = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
        }
        return sha256.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
