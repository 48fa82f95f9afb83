package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.GuestFile;

import dev.kvmunit.internal.vmm.image.InitramfsContents;
import dev.kvmunit.internal.vmm.image.InitramfsWriter;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The last, per-test archive: the test's {@link GuestFile}s. It is small and differs from test
 * to test, so it is written to a temp file for one boot instead of going into the cache.
 */
final class TestOverlay {
    private TestOverlay() {
    }

    /** The overlay's contents, or empty when the test adds no files. */
    static Optional<InitramfsContents> contents(Class<?> testClass, GuestFile... files) {
        if (files.length == 0) {
            return Optional.empty();
        }
        InitramfsContents contents = new InitramfsContents();
        for (GuestFile file : files) {
            if (!file.path().startsWith("/")) {
                throw new ExtensionConfigurationException("@GuestFile path '" + file.path() + "' (resource '"
                        + file.resource() + "') must be absolute, e.g. /root/" + file.resource());
            }
            try {
                contents.file(file.path(), file.mode(), read(testClass, file));
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException("@GuestFile " + file.path() + " of " + testClass.getName()
                        + ": " + e.getMessage(), e);
            }
        }
        return Optional.of(contents);
    }

    /** Writes {@code contents} as an archive to a new temp file, which the caller deletes after the boot. */
    static Path write(InitramfsContents contents) throws IOException {
        Path file = Files.createTempFile("kvmunit-overlay-", ".cpio.lz4");
        try {
            return InitramfsWriter.writeFile(contents, file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static byte[] read(Class<?> testClass, GuestFile file) {
        try (InputStream in = testClass.getResourceAsStream(file.resource())) {
            if (in == null) {
                throw new ExtensionConfigurationException("@GuestFile resource '" + file.resource() + "' for "
                        + file.path() + " is not on the classpath of " + testClass.getName() + ": put it under "
                        + "src/test/resources/" + (file.resource().startsWith("/") ? file.resource().substring(1)
                        : testClass.getPackageName().replace('.', '/') + "/" + file.resource()));
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ExtensionConfigurationException("reading @GuestFile resource '" + file.resource() + "' failed: " + e, e);
        }
    }
}
