package dev.kvmunit.internal.vmm.virtio;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.util.List;

/**
 * One request popped from a virtqueue: the head index (to hand back in the used ring) and
 * its buffers in chain order, with any indirect table already flattened. Every buffer has
 * been checked to lie inside guest RAM, and device-readable buffers all come before
 * device-writable ones.
 */
public record DescriptorChain(int head, List<Buffer> buffers) {
    /** One guest buffer; {@code writable} means the device may write it (VIRTQ_DESC_F_WRITE). */
    public record Buffer(long address, long length, boolean writable) {
    }

    public DescriptorChain {
        buffers = List.copyOf(buffers);
    }

    public long readableLength() {
        return buffers.stream().filter(b -> !b.writable()).mapToLong(Buffer::length).sum();
    }

    public long writableLength() {
        return buffers.stream().filter(Buffer::writable).mapToLong(Buffer::length).sum();
    }

    /**
     * Copies the device-readable part of the chain out of guest memory. The guest chooses
     * the lengths, so a chain longer than {@code maxBytes} is a protocol violation rather
     * than an allocation the host would regret.
     */
    public byte[] readReadable(GuestMemory memory, int maxBytes) {
        long total = readableLength();
        if (total > maxBytes) {
            throw VirtioProtocolException.of(
                    "descriptor chain at head %d carries %d readable bytes, more than the %d this queue accepts",
                    head, total, maxBytes);
        }
        byte[] out = new byte[(int) total];
        int at = 0;
        for (Buffer b : buffers) {
            if (!b.writable()) {
                memory.read(b.address(), out, at, (int) b.length());
                at += (int) b.length();
            }
        }
        return out;
    }

    /**
     * Copies {@code length} bytes of {@code src} into the device-writable buffers, starting
     * {@code at} bytes into the writable space and continuing as far as the buffers reach.
     * Returns how many bytes were written.
     */
    public int writeWritable(GuestMemory memory, long at, byte[] src, int offset, int length) {
        long skip = at;
        int written = 0;
        for (Buffer b : buffers) {
            if (written == length) {
                break;
            }
            if (!b.writable()) {
                continue;
            }
            if (skip >= b.length()) {
                skip -= b.length();
                continue;
            }
            int n = (int) Math.min(b.length() - skip, length - written);
            memory.write(b.address() + skip, src, offset + written, n);
            written += n;
            skip = 0;
        }
        return written;
    }
}
