package dev.kvmunit.vmm.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

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

    /** The compressed archive in memory; meant for small archives such as a per-test overlay. */
    public static byte[] toBytes(InitramfsContents contents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(contents, bytes);
        return bytes.toByteArray();
    }
}
