package dev.kvmunit.internal.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The guest init program (kvmunit-init, a static x86_64 Linux executable) packaged in this
 * module's jar. It becomes /init of every guest image; run with {@code --channel-stdio} or
 * {@code --channel-fd N} it serves the same protocol as an ordinary host process.
 */
public final class GuestInitBinary {
    /** Classpath resource name of the binary. */
    public static final String RESOURCE = "dev/kvmunit/internal/guest/kvmunit-init";
    /** File name the binary gets when written out. */
    public static final String FILE_NAME = "kvmunit-init";

    private GuestInitBinary() {
    }

    /** The binary's bytes, e.g. to place it in an initramfs. */
    public static byte[] bytes() {
        try (InputStream in = open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the packaged " + RESOURCE, e);
        }
    }

    /**
     * Writes the binary as an executable file {@value #FILE_NAME} into {@code directory}
     * (atomically: a temp file renamed into place) and returns its path.
     */
    public static Path writeTo(Path directory) throws IOException {
        Path target = directory.resolve(FILE_NAME);
        Path temp = Files.createTempFile(directory, FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            try (InputStream in = open()) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    private static InputStream open() {
        InputStream in = GuestInitBinary.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException(RESOURCE + " is not on the classpath: the guest-init module builds it with "
                    + "make and gcc -static (Debian packages make, gcc, libc6-dev); build that module first");
        }
        return in;
    }
}
