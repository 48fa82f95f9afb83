package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Compresses into the legacy LZ4 container, the LZ4 variant the kernel's initramfs unpacker
 * understands (lib/decompress_unlz4.c; the frame format with checksums is not accepted there):
 * the magic {@code 0x184C2102} little-endian, then blocks of {@code [u32 LE compressed size][LZ4
 * block]}, each block holding at most 8 MiB of input because the kernel decompresses every block
 * into one 8 MiB buffer. The kernel skips a repeated magic between blocks, so two such streams
 * written back to back decode as one, which is what lets a per-test overlay follow the base.
 * A zero size word ends the stream for the kernel, hence an empty block is never written.
 */
public final class Lz4LegacyOutputStream extends OutputStream {
    static final int MAGIC = 0x184C2102;
    /** LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE in the kernel. */
    static final int BLOCK_SIZE = 8 << 20;

    /**
     * The plain (fast) LZ4 compressor, native where lz4-java's bundled JNI library loads. Measured on a
     * 54 MiB jlinked JRE: native fast 0.3 s, pure-Java fast 0.75-2 s, both 25.7 MiB; high
     * compression level 9 gives 20.3 MiB but takes 1.7-9 s, too much for a cold build that a developer
     * waits for. The native and Java compressors pick different matches, so archive bytes are equal
     * for equal content on one host (and every host where the JNI library loads); cache keys are
     * computed from content, never from these bytes, so that is all the cache needs.
     */
    private static final LZ4Compressor DEFAULT_COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();

    private final OutputStream out;
    private final LZ4Compressor compressor;
    /**
     * Grows up to {@link #BLOCK_SIZE} as input arrives: a per-test overlay of a few KiB should not
     * pay for zeroing 16 MiB of buffers.
     */
    private byte[] block = new byte[64 * 1024];
    private byte[] compressed = new byte[0];
    private int filled;
    private boolean finished;

    public Lz4LegacyOutputStream(OutputStream out) throws IOException {
        this(out, DEFAULT_COMPRESSOR);
    }

    Lz4LegacyOutputStream(OutputStream out, LZ4Compressor compressor) throws IOException {
        this.out = out;
        this.compressor = compressor;
        writeLittleEndian(MAGIC);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("LZ4 stream already finished");
        }
        while (len > 0) {
            int n = Math.min(len, BLOCK_SIZE - filled);
            if (filled + n > block.length) {
                block = Arrays.copyOf(block, Math.min(BLOCK_SIZE, Math.max(block.length * 2, filled + n)));
            }
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK_SIZE) {
                writeBlock();
            }
        }
    }

    /** Writes the last, partial block; the underlying stream stays open. */
    public void finish() throws IOException {
        if (!finished) {
            writeBlock();
            finished = true;
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    private void writeBlock() throws IOException {
        if (filled == 0) {
            return;
        }
        int bound = compressor.maxCompressedLength(filled);
        if (compressed.length < bound) {
            compressed = new byte[bound];
        }
        int length = compressor.compress(block, 0, filled, compressed, 0, compressed.length);
        writeLittleEndian(length);
        out.write(compressed, 0, length);
        filled = 0;
    }

    private void writeLittleEndian(int value) throws IOException {
        out.write(new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }
}
