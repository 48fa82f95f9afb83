package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Copies a byte range of a file straight into guest RAM, without a heap copy: kernels and
 * initramfs archives are tens of MiB and are loaded once per VM.
 */
final class GuestFileCopy {
    /** Largest slice handed to one read; {@link GuestMemory#view} takes an int length. */
    private static final int CHUNK = 16 << 20;

    private GuestFileCopy() {
    }

    /**
     * Copies {@code length} bytes at {@code fileOffset} to guest-physical {@code gpa}.
     *
     * @throws EOFException when the file ends first (it shrank since it was inspected)
     */
    static void copy(FileChannel file, long fileOffset, GuestMemory memory, long gpa, long length)
            throws IOException {
        memory.checkRange(gpa, length);
        long done = 0;
        while (done < length) {
            int slice = (int) Math.min(CHUNK, length - done);
            ByteBuffer target = memory.view(gpa + done, slice);
            while (target.hasRemaining()) {
                int n = file.read(target, fileOffset + done + target.position());
                if (n < 0) {
                    throw new EOFException(String.format("file ends at offset 0x%x, 0x%x bytes short",
                            fileOffset + done + target.position(), length - done - target.position()));
                }
            }
            done += slice;
        }
    }
}
