package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The cache key of an image: SHA-256 over the writer's format version and, for every entry in
 * archive order, its type, path, mode and content (file digest, link target or device numbers).
 * Two trees get the same key exactly when the writer would put the same files in the archive.
 */
final class ImageKey {
    private ImageKey() {
    }

    static String of(InitramfsContents contents, FileDigestCache digests) throws IOException {
        MessageDigest key = FileDigestCache.sha256();
        field(key, "kvmunit-initramfs-format-" + InitramfsWriter.FORMAT_VERSION);
        for (ImageEntry entry : contents.entries()) {
            field(key, Integer.toOctalString(entry.fullMode()));
            field(key, entry.path());
            field(key, payload(entry, digests));
        }
        return HexFormat.of().formatHex(key.digest());
    }

    private static String payload(ImageEntry entry, FileDigestCache digests) throws IOException {
        if (entry instanceof ImageEntry.RegularFile file) {
            if (file.content() instanceof FileContent.HostFile host) {
                return digests.digest(host.path());
            }
            MessageDigest sha256 = FileDigestCache.sha256();
            return HexFormat.of().formatHex(sha256.digest(((FileContent.InMemory) file.content()).bytes()));
        }
        if (entry instanceof ImageEntry.Symlink link) {
            return link.target();
        }
        if (entry instanceof ImageEntry.CharDevice device) {
            return device.major() + ":" + device.minor();
        }
        return "";
    }

    /** NUL-terminated, so that no two different field sequences hash the same bytes. */
    private static void field(MessageDigest key, String value) {
        key.update(value.getBytes(StandardCharsets.UTF_8));
        key.update((byte) 0);
    }
}
