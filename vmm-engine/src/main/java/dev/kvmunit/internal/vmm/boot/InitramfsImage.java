package dev.kvmunit.internal.vmm.boot;

import java.util.List;

/**
 * Where the initramfs landed in guest RAM: the parts back to back from {@code address}, each
 * 4-byte aligned (the kernel's cpio unpacker skips zero padding between archives), {@code size}
 * bytes in all. {@link #NONE} when there is no initramfs.
 *
 * @param partOffsets offset of each part from {@code address}
 */
public record InitramfsImage(long address, long size, List<Long> partOffsets) {
    public static final InitramfsImage NONE = new InitramfsImage(0, 0, List.of());

    public InitramfsImage {
        partOffsets = List.copyOf(partOffsets);
    }
}
