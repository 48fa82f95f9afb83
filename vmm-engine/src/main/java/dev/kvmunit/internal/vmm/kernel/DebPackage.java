package dev.kvmunit.internal.vmm.kernel;

import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A Debian binary package (.deb) unpacked in-process: the outer {@code ar} archive, then the
 * {@code data.tar} member (xz, gzip or uncompressed). No dpkg, no root, no loop mounts.
 *
 * <p>The archive is treated as untrusted: entries with absolute paths or {@code ..}
 * components are refused, no entry is written through a symbolic link, and a symbolic link is
 * kept only if it resolves inside the target directory (Debian ships links such as
 * {@code lib/modules/REL/build -> /usr/src/...} that mean nothing outside the real system).
 */
public final class DebPackage {
    private static final String DATA_MEMBER = "data.tar";

    private final Path file;

    public DebPackage(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** What {@link #extract} wrote. */
    public record Extraction(int files, long bytes, List<String> droppedSymlinks) {
        public Extraction {
            droppedSymlinks = List.copyOf(droppedSymlinks);
        }
    }

    /**
     * Writes the data entries whose path (relative, without the leading "./", e.g.
     * {@code boot/vmlinuz-6.12.117+deb12-cloud-amd64}) the selector accepts into target, which
     * must exist. Directories needed by selected entries are created.
     */
    public Extraction extract(Path target, Predicate<String> selector) {
        if (!Files.isDirectory(target)) {
            throw new KernelException("cannot unpack " + file + ": target directory " + target + " does not exist");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
             ArArchiveInputStream ar = new ArArchiveInputStream(in)) {
            ArArchiveEntry entry = ar.getNextEntry();
            if (entry == null || !entry.getName().equals("debian-binary")) {
                throw new KernelException(file + " is not a Debian package: its first ar member should be debian-binary");
            }
            checkFormatVersion(ar);
            while ((entry = ar.getNextEntry()) != null) {
                if (entry.getName().startsWith(DATA_MEMBER)) {
                    try (InputStream tar = decompress(entry.getName(), ar)) {
                        return new TarExtractor(target.toRealPath(), selector).extract(tar);
                    }
                }
            }
            throw new KernelException(file + " has no data.tar member: is it a truncated download?");
        } catch (IOException e) {
            throw new KernelException("cannot unpack " + file + ": " + e.getMessage()
                    + " (a partial download or a disk full? delete the file and retry)", e);
        }
    }

    private void checkFormatVersion(ArArchiveInputStream ar) throws IOException {
        String version = new String(ar.readNBytes(16), StandardCharsets.US_ASCII).strip();
        if (!version.startsWith("2.")) {
            throw new KernelException(file + " has Debian package format '" + version + "'; only 2.x is understood");
        }
    }

    /**
     * Closing the returned stream must not close the ar stream under it, so the decompressors
     * get a view that ignores close.
     */
    private InputStream decompress(String member, ArArchiveInputStream ar) throws IOException {
        InputStream body = new UnclosableInputStream(ar);
        String compression = member.substring(DATA_MEMBER.length());
        switch (compression) {
            case ".xz":
                return new XZCompressorInputStream(body);
            case ".gz":
                return new GzipCompressorInputStream(body);
            case "":
                return body;
            default:
                throw new KernelException(file + " stores its files as " + member + "; compression '"
                        + compression.substring(1) + "' is not supported (xz, gz or none are): unpack it with"
                        + " dpkg-deb -x and point kvmunit.kernel at the kernel image");
        }
    }

    /** Unpacks one tar stream below one root, remembering links to verify at the end. */
    private final class TarExtractor {
        private final Path root;
        private final Predicate<String> selector;
        private final List<Path> createdLinks = new ArrayList<>();
        private final List<String> dropped = new ArrayList<>();
        private int files;
        private long bytes;

        TarExtractor(Path root, Predicate<String> selector) {
            this.root = root;
            this.selector = selector;
        }

        Extraction extract(InputStream tarStream) throws IOException {
            TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = relativeName(entry.getName());
                if (name.isEmpty() || !selector.test(name)) {
                    continue;
                }
                Path out = root.resolve(name).normalize();
                if (entry.isDirectory()) {
                    createDirectories(name, out);
                } else if (entry.isSymbolicLink()) {
                    createDirectories(name, out.getParent());
                    link(name, out, entry.getLinkName());
                } else if (entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    throw new KernelException(file + " entry " + entry.getName() + " is a "
                            + (entry.isLink() ? "hard link" : "special file") + ", which kvmunit does not unpack");
                } else {
                    createDirectories(name, out.getParent());
                    write(name, out, tar);
                }
            }
            verifyLinks();
            return new Extraction(files, bytes, dropped);
        }

        /** Strips "./", refuses anything that could land outside the root. */
        private String relativeName(String raw) {
            String name = raw.startsWith("./") ? raw.substring(2) : raw;
            if (name.startsWith("/")) {
                throw new KernelException(file + " has an entry with an absolute path: " + raw
                        + "; refusing to unpack a package that writes outside its directory");
            }
            while (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            for (String part : name.split("/")) {
                if (part.equals("..")) {
                    throw new KernelException(file + " has an entry that climbs out of its directory: " + raw
                            + "; refusing to unpack it");
                }
            }
            return name;
        }

        /** Creates each missing directory of path, refusing to pass through links or files. */
        private void createDirectories(String entryName, Path dir) throws IOException {
            Path current = root;
            for (Path part : root.relativize(dir)) {
                current = current.resolve(part);
                if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                    throw new KernelException(file + " entry " + entryName + " would be written through "
                            + root.relativize(current) + ", which is not a directory (a symbolic link?); refusing");
                }
                Files.createDirectory(current);
            }
        }

        private void write(String entryName, Path out, InputStream content) throws IOException {
            if (Files.isSymbolicLink(out)) {
                throw new KernelException(file + " entry " + entryName + " would overwrite a symbolic link; refusing");
            }
            try (OutputStream os = Files.newOutputStream(out, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                bytes += content.transferTo(os);
            }
            files++;
        }

        /** Keeps a link only if it points into the tree by its own text; verified again at the end. */
        private void link(String entryName, Path out, String target) throws IOException {
            Path resolved = out.getParent().resolve(target).normalize();
            if (target.startsWith("/") || !resolved.startsWith(root)) {
                dropped.add(entryName + " -> " + target);
                return;
            }
            Files.deleteIfExists(out);
            Files.createSymbolicLink(out, out.getFileSystem().getPath(target));
            createdLinks.add(out);
        }

        /**
         * A link's text can stay inside the tree while its resolution leaves it through another
         * link ("a -> ." then "c/b -> ../a/.."), and can dangle: only the fully resolved path
         * decides.
         */
        private void verifyLinks() throws IOException {
            // Dropping one link can break another that went through it, so repeat until stable.
            boolean droppedAny = true;
            while (droppedAny) {
                droppedAny = false;
                for (var it = createdLinks.iterator(); it.hasNext(); ) {
                    Path link = it.next();
                    if (!resolvesInside(link)) {
                        dropped.add(root.relativize(link) + " -> " + Files.readSymbolicLink(link));
                        Files.delete(link);
                        it.remove();
                        droppedAny = true;
                    }
                }
            }
        }

        private boolean resolvesInside(Path link) {
            try {
                return link.toRealPath().startsWith(root);
            } catch (IOException dangling) {
                return false;
            }
        }
    }

    private static final class UnclosableInputStream extends FilterInputStream {
        UnclosableInputStream(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the ar stream owns the file handle and is closed by its try-with-resources
        }
    }
}
