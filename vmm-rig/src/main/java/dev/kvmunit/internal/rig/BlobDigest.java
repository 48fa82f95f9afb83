package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.ProtocolException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The SHA-256 of a file that the rig ships into L1; names the blob in L1's cache. */
public final class BlobDigest {
    public static final int BYTES = 32;

    private final byte[] bytes;

    private BlobDigest(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a digest received from the peer. */
    public static BlobDigest of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a SHA-256 digest has " + BYTES + " bytes, got " + bytes.length);
        }
        return new BlobDigest(bytes.clone());
    }

    /** Reads a digest the peer sent; a wrong length is the peer breaking the protocol. */
    static BlobDigest read(PayloadReader in, String field) throws ProtocolException {
        byte[] bytes = in.bytes(field);
        if (bytes.length != BYTES) {
            throw new ProtocolException(field + " has " + bytes.length + " bytes, a SHA-256 digest has " + BYTES);
        }
        return new BlobDigest(bytes);
    }

    /** Hashes a file's content. */
    public static BlobDigest ofFile(Path file) {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to hash it", e);
        }
        return new BlobDigest(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BlobDigest that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
