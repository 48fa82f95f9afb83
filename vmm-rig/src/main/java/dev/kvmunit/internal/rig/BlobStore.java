package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.ProtocolException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;

/**
 * L1's cache of files sent by the host (kernels, initramfs archives), named by SHA-256 so the
 * host sends each file once per L1 lifetime. A blob only becomes visible after its bytes
 * matched the digest it was announced with.
 */
final class BlobStore {
    private final Path directory;

    BlobStore(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    boolean has(BlobDigest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** The file of a stored blob; fails naming the digest when the host never sent it. */
    Path file(BlobDigest digest) throws ProtocolException {
        Path file = path(digest);
        if (!Files.isRegularFile(file)) {
            throw new ProtocolException("blob " + digest + " was never sent to L1; send it with PUT_BLOB first");
        }
        return file;
    }

    Upload begin(BlobDigest digest, long size) throws IOException {
        if (size < 0) {
            throw new ProtocolException("PUT_BLOB " + digest + ": negative size " + size);
        }
        long free = Files.getFileStore(directory).getUsableSpace();
        if (size > free) {
            throw new ProtocolException("PUT_BLOB " + digest + ": " + size + " bytes do not fit in L1's "
                    + free + " free bytes; give L1 more memory");
        }
        return new Upload(digest, size);
    }

    private Path path(BlobDigest digest) {
        return directory.resolve(digest.hex());
    }

    /** One blob in transit: chunks are appended and hashed; {@link #isComplete} says when to seal it. */
    final class Upload implements AutoCloseable {
        private final BlobDigest digest;
        private final long size;
        private final Path partial;
        private final OutputStream out;
        private final MessageDigest sha = BlobDigest.sha256();
        private long received;

        private Upload(BlobDigest digest, long size) throws IOException {
            this.digest = digest;
            this.size = size;
            this.partial = Files.createTempFile(directory, digest.hex(), ".part");
            this.out = Files.newOutputStream(partial);
        }

        void append(byte[] chunk) throws IOException {
            if (received + chunk.length > size) {
                throw new ProtocolException("blob " + digest + " was announced with " + size
                        + " bytes but more arrived");
            }
            out.write(chunk);
            sha.update(chunk);
            received += chunk.length;
        }

        boolean isComplete() {
            return received == size;
        }

        /** Verifies the digest and makes the blob visible under its name. */
        void seal() throws IOException {
            out.close();
            BlobDigest actual = BlobDigest.of(sha.digest());
            if (!actual.equals(digest)) {
                throw new ProtocolException("blob announced as " + digest + " hashed to " + actual
                        + ": the link corrupted it");
            }
            Files.move(partial, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        /** Drops a blob that was abandoned or failed; harmless after {@link #seal}. */
        @Override
        public void close() throws IOException {
            out.close();
            Files.deleteIfExists(partial);
        }
    }
}
