package dev.kvmunit.internal.vmm.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Decodes a legacy LZ4 stream with the rules of the kernel's in-memory unlz4 (lib/decompress_unlz4.c,
 * input buffer, no fill callback): magic first, a repeated magic is skipped, a zero size word or
 * fewer than 4 bytes left ends the stream, every block must decode into one 8 MiB buffer.
 * Stricter than the lz4 CLI in the one way that matters: the CLI would accept larger blocks.
 */
final class KernelLz4Reader {
    private static final int KERNEL_BLOCK_LIMIT = 8 << 20;

    private KernelLz4Reader() {
    }

    /** What one call of the kernel's unlz4 produced and where in the input it stopped. */
    record Decoded(byte[] bytes, int end) {
    }

    static byte[] decode(byte[] input) {
        return decode(input, 0).bytes();
    }

    static Decoded decode(byte[] input, int start) {
        ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        in.position(start);
        if (in.getInt() != Lz4LegacyOutputStream.MAGIC) {
            throw new AssertionError("invalid header");
        }
        LZ4SafeDecompressor decompressor = LZ4Factory.safeInstance().safeDecompressor();
        byte[] block = new byte[KERNEL_BLOCK_LIMIT];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (in.remaining() >= 4) {
            int chunk = in.getInt();
            if (chunk == Lz4LegacyOutputStream.MAGIC) {
                continue;
            }
            if (chunk == 0) {
                in.position(in.position() - 4);
                break;
            }
            if (chunk < 0 || chunk > in.remaining()) {
                throw new AssertionError("data corrupted: block of " + chunk + " bytes, " + in.remaining() + " left");
            }
            int n = decompressor.decompress(input, in.position(), chunk, block, 0, KERNEL_BLOCK_LIMIT);
            out.write(block, 0, n);
            in.position(in.position() + chunk);
        }
        return new Decoded(out.toByteArray(), in.position());
    }
}
