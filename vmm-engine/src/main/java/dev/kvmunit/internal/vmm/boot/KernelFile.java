package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An open kernel image file with bounds-checked reads: every read names what it wanted, so a
 * truncated file is reported as such and never as an obscure buffer error.
 */
final class KernelFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private KernelFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static KernelFile open(Path path) {
        if (!Files.exists(path)) {
            throw new KernelImageException(path, "does not exist; pass the path of a bzImage or an ELF vmlinux");
        }
        if (!Files.isRegularFile(path)) {
            throw new KernelImageException(path, "is not a regular file; pass the path of a bzImage or an ELF vmlinux");
        }
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            return new KernelFile(path, channel, channel.size());
        } catch (IOException | SecurityException e) {
            throw new KernelImageException(path, "cannot be read (" + e + "); check its permissions", e);
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    /** Reads {@code length} bytes at {@code offset} as a little-endian buffer. */
    ByteBuffer read(long offset, int length, String what) {
        requireInFile(offset, length, what);
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw truncated(offset, length, what);
                }
            }
        } catch (IOException e) {
            throw new KernelImageException(path, "read of " + what + " failed (" + e + ")", e);
        }
        return buffer.flip();
    }

    /** Copies a file range into guest RAM at {@code gpa}. */
    void copyTo(GuestMemory memory, long offset, long gpa, long length, String what) {
        requireInFile(offset, length, what);
        try {
            GuestFileCopy.copy(channel, offset, memory, gpa, length);
        } catch (IOException e) {
            throw new KernelImageException(path, "loading " + what + " failed (" + e.getMessage()
                    + "); was the file changed while the VM started?", e);
        }
    }

    /** Throws the "truncated" error unless {@code [offset, offset + length)} lies inside the file. */
    void requireInFile(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw truncated(offset, length, what);
        }
    }

    private KernelImageException truncated(long offset, long length, String what) {
        return new KernelImageException(path, String.format(
                "is truncated: %s needs bytes [0x%x, 0x%x) but the file is only 0x%x bytes long",
                what, offset, offset + length, size));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Read-only channel: nothing was written that a failed close could lose.
        }
    }
}
