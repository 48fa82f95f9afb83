package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Places the initramfs parts as high in guest RAM as the kernel allows and maps or copies them
 * there. High, because the kernel decompresses itself upwards from its load address and must not
 * overwrite its initramfs; page-aligned, because the kernel frees the initramfs pages after
 * unpacking.
 *
 * <p>A part that is a whole number of pages and lands on a page boundary is mapped copy-on-write
 * instead of copied, so concurrent VMs share one copy of it in the host page cache. The cached
 * base, which comes first and is by far the largest part, is padded to whole pages for this.
 */
final class InitramfsLoader {
    static final long PAGE = GuestMemory.PAGE_SIZE;
    static final long PART_ALIGNMENT = 4;

    private InitramfsLoader() {
    }

    /**
     * Computes where parts of the given sizes go: as high as possible below {@code limit},
     * not below {@code lowest}.
     *
     * @throws BootException when they do not fit
     */
    static InitramfsImage place(List<Long> partSizes, long lowest, long limit) {
        if (partSizes.isEmpty()) {
            return InitramfsImage.NONE;
        }
        List<Long> offsets = new ArrayList<>();
        long total = 0;
        for (long size : partSizes) {
            total = align(total, PART_ALIGNMENT);
            offsets.add(total);
            total += size;
        }
        long floor = align(lowest, PAGE);
        long address = (limit - total) & -PAGE;
        if (total > limit || address < floor) {
            throw new BootException(String.format(
                    "initramfs of %d bytes (%d MiB) does not fit in guest RAM between the kernel's end at 0x%x "
                            + "and the highest usable address 0x%x (%d MiB free); give the VM more memory or "
                            + "shrink the initramfs", total, total >> 20, floor, limit, Math.max(0, limit - floor) >> 20));
        }
        return new InitramfsImage(address, total, offsets);
    }

    /**
     * Places the files as {@link #place} does, maps or copies them and zeroes the padding between
     * them. The guest sees the same bytes at the same addresses either way.
     */
    static InitramfsImage load(GuestMemory memory, List<Path> parts, long lowest, long limit) {
        List<Long> sizes = new ArrayList<>();
        for (Path part : parts) {
            sizes.add(sizeOf(part));
        }
        InitramfsImage image = place(sizes, lowest, limit);
        for (int i = 0; i < parts.size(); i++) {
            long start = image.address() + image.partOffsets().get(i);
            long end = start + sizes.get(i);
            if (mappable(memory, parts.get(i), start, sizes.get(i))) {
                map(parts.get(i), memory, start, sizes.get(i));
            } else {
                copy(parts.get(i), memory, start, sizes.get(i));
            }
            long next = i + 1 < parts.size() ? image.address() + image.partOffsets().get(i + 1) : end;
            memory.fill(end, next - end, (byte) 0);
        }
        return image;
    }

    private static long sizeOf(Path part) {
        try {
            long size = Files.size(part);
            if (size == 0) {
                throw new BootException("initramfs part " + part + " is empty; expected a cpio archive");
            }
            return size;
        } catch (IOException e) {
            throw new BootException("initramfs part " + part + " cannot be read (" + e
                    + "); check that it exists and is readable", e);
        }
    }

    private static boolean mappable(GuestMemory memory, Path part, long gpa, long size) {
        return memory.canMapFiles() && gpa % PAGE == 0 && size % PAGE == 0 && Files.isRegularFile(part);
    }

    private static void map(Path part, GuestMemory memory, long gpa, long size) {
        try {
            memory.mapFile(gpa, part, size);
        } catch (IOException e) {
            throw new BootException("initramfs part " + part + " could not be mapped into guest memory (" + e
                    + "); was it changed while the VM started, or does its file system lack mmap?", e);
        }
    }

    private static void copy(Path part, GuestMemory memory, long gpa, long size) {
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.READ)) {
            GuestFileCopy.copy(channel, 0, memory, gpa, size);
        } catch (IOException e) {
            throw new BootException("initramfs part " + part + " could not be loaded (" + e
                    + "); was it changed while the VM started?", e);
        }
    }

    private static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
