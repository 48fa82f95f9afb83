package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Copies a host file into an image at the same absolute path, the way the guest's loader will ask
 * for it. A symbolic link at the end of the path stays a link (libfoo.so.1 -> libfoo.so.1.2.3,
 * /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...) and its target is mirrored too. Links
 * among the parent directories (the merged-/usr /lib -> usr/lib) are followed on the host but
 * become plain directories in the guest, so other parts of the image (kernel modules under
 * /lib/modules, for example) can still be added under those directories.
 */
final class HostFileMirror {
    /** Same bound as the kernel's MAXSYMLINKS: a longer chain is a loop. */
    private static final int MAX_LINKS = 40;

    private HostFileMirror() {
    }

    /** Adds {@code hostPath} (absolute) and, for a link, what it points to. */
    static void mirror(Path hostPath, InitramfsContents into) throws IOException {
        Path current = hostPath.toAbsolutePath().normalize();
        for (int links = 0; links <= MAX_LINKS; links++) {
            if (!Files.isSymbolicLink(current)) {
                if (!Files.isRegularFile(current)) {
                    throw new IOException(current + " (reached from " + hostPath + ") is not a regular file");
                }
                into.file(current.toString(), permissionBits(current), current);
                return;
            }
            Path target = Files.readSymbolicLink(current);
            into.symlink(current.toString(), target.toString());
            current = current.getParent().resolve(target).normalize();
        }
        throw new IOException(hostPath + " is a loop of more than " + MAX_LINKS + " symbolic links");
    }

    /** Permission bits including setuid/setgid/sticky, which the portable POSIX view leaves out. */
    static int permissionBits(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
