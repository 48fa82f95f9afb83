package dev.kvmunit.internal.vmm.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The bytes of a regular file in an image: either held in memory (small generated files such as
 * test arguments) or read from a host file when the archive is written (binaries, libraries, a JRE),
 * so that a large image never has to fit in the heap.
 */
public sealed interface FileContent {

    /** Current length in bytes. */
    long size() throws IOException;

    /** A fresh stream over the whole content. */
    InputStream open() throws IOException;

    static FileContent of(byte[] bytes) {
        return new InMemory(bytes);
    }

    static FileContent of(Path hostFile) {
        return new HostFile(hostFile);
    }

    /** Content held in memory; the array is copied so later changes by the caller cannot leak in. */
    record InMemory(byte[] bytes) implements FileContent {
        public InMemory {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public long size() {
            return bytes.length;
        }

        /** Equal bytes are equal content, so adding the same generated file twice is not a conflict. */
        @Override
        public boolean equals(Object other) {
            return other instanceof InMemory that && Arrays.equals(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "InMemory[" + bytes.length + " bytes]";
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }
    }

    /** Content read from a regular file on the host when needed. */
    record HostFile(Path path) implements FileContent {
        public HostFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public long size() throws IOException {
            return Files.size(path);
        }

        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }
    }
}
