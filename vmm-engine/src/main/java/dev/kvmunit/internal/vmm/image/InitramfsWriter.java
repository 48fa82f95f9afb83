package dev.kvmunit.internal.vmm.image;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns an {@link InitramfsContents} into what the kernel loads as an initrd: a cpio newc archive
 * compressed in the legacy LZ4 format. Equal contents give equal bytes. Archives produced here can
 * be concatenated (base + overlay) and the kernel unpacks them in order, later entries replacing
 * earlier ones.
 */
public final class InitramfsWriter {
    /**
     * Part of every cache key: raise it whenever the bytes written for the same contents change
     * (header fields, ordering, compression), so caches built by older versions are not reused.
     */
    public static final int FORMAT_VERSION = 1;

    private InitramfsWriter() {
    }

    /** Writes the compressed archive to {@code out}, which stays open. */
    public static void write(InitramfsContents contents, OutputStream out) throws IOException {
        Lz4LegacyOutputStream lz4 = new Lz4LegacyOutputStream(out);
        CpioNewcWriter.write(contents, lz4);
        lz4.finish();
    }

    /**
     * Writes the compressed archive to {@code file} (replacing it), e.g. a per-test overlay that the
     * VM loads right after the cached base.
     */
    public static Path writeFile(InitramfsContents contents, Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            write(contents, out);
        }
        return file;
    }

    /** The compressed archive in memory; meant for small archives such as a per-test overlay. */
    public static byte[] toBytes(InitramfsContents contents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(contents, bytes);
        return bytes.toByteArray();
    }
}
