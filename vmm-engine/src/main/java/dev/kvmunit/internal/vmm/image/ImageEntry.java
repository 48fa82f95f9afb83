package dev.kvmunit.internal.vmm.image;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One node of a guest root file system as it goes into an initramfs. Paths are normalised by
 * {@link GuestPath}; modes carry permission bits only (the type comes from the record).
 */
public sealed interface ImageEntry {

    /** Normalised guest path without a leading slash, e.g. {@code usr/bin/env}. */
    String path();

    /** Permission bits (including setuid/setgid/sticky), at most {@code 07777}. */
    int mode();

    /** The file type bits of st_mode ({@code S_IFDIR} and friends) for this entry. */
    int typeBits();

    /** st_mode as the kernel sees it: type bits plus permission bits. */
    default int fullMode() {
        return typeBits() | mode();
    }

    int S_IFDIR = 0040000;
    int S_IFREG = 0100000;
    int S_IFLNK = 0120000;
    int S_IFCHR = 0020000;

    record Directory(String path, int mode) implements ImageEntry {
        public Directory {
            path = GuestPath.normalise(path);
            mode = checkMode(path, mode);
        }

        @Override
        public int typeBits() {
            return S_IFDIR;
        }
    }

    record RegularFile(String path, int mode, FileContent content) implements ImageEntry {
        public RegularFile {
            path = GuestPath.normalise(path);
            mode = checkMode(path, mode);
            Objects.requireNonNull(content, "content of " + path);
        }

        @Override
        public int typeBits() {
            return S_IFREG;
        }
    }

    /** A symbolic link; the target is stored verbatim (relative targets stay relative). */
    record Symlink(String path, String target) implements ImageEntry {
        public Symlink {
            path = GuestPath.normalise(path);
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("symlink /" + path + " needs a non-empty target without NUL, was '"
                        + target + "'");
            }
        }

        @Override
        public int mode() {
            return 0777;
        }

        @Override
        public int typeBits() {
            return S_IFLNK;
        }

        public byte[] targetBytes() {
            return target.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * A character device node. The guest needs {@code /dev/console} (c 5 1) before devtmpfs is
     * mounted, or the kernel starts init without stdin/stdout/stderr.
     */
    record CharDevice(String path, int mode, int major, int minor) implements ImageEntry {
        public CharDevice {
            path = GuestPath.normalise(path);
            mode = checkMode(path, mode);
            if (major < 0 || major > 0xFFF || minor < 0 || minor > 0xFFFFF) {
                throw new IllegalArgumentException("device /" + path + ": major must be 0..4095 and minor 0..1048575, was "
                        + major + ":" + minor);
            }
        }

        @Override
        public int typeBits() {
            return S_IFCHR;
        }
    }

    private static int checkMode(String path, int mode) {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode of /" + path + " must hold permission bits only (at most 07777), was 0"
                    + Integer.toOctalString(mode));
        }
        return mode;
    }
}
