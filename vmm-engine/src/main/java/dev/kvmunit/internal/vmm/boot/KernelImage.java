package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A parsed x86_64 Linux kernel: a bzImage or an uncompressed ELF vmlinux. Parsing reads only
 * headers; {@link #loadInto} streams the kernel into guest RAM, so one parsed image can be
 * loaded into many VMs.
 */
public sealed interface KernelImage permits BzImage, ElfKernel {

    /**
     * Parses the kernel at {@code path}.
     *
     * @throws KernelImageException when the file is missing, unreadable, truncated, not a
     *                              kernel, or not an x86_64 kernel with a 64-bit entry
     */
    static KernelImage load(Path path) {
        try (KernelFile file = KernelFile.open(path)) {
            if (file.size() == 0) {
                throw new KernelImageException(path, "is empty; expected a bzImage or an ELF vmlinux");
            }
            ByteBuffer start = file.read(0, (int) Math.min(BzImage.SIGNATURE_END, file.size()), "the file header");
            if (ElfKernel.hasElfMagic(start)) {
                return ElfKernel.parse(file);
            }
            if (BzImage.hasSignature(start)) {
                return BzImage.parse(file);
            }
            if (BzImage.isCutBeforeSignature(start)) {
                file.requireInFile(0, BzImage.SIGNATURE_END, "the bzImage setup header");
            }
            throw new KernelImageException(path, "is not a kernel: expected a bzImage (\"HdrS\" at offset 0x202, "
                    + "as in /boot/vmlinuz-*) or an ELF vmlinux (starting with \\x7fELF)");
        }
    }

    Path path();

    /** The kernel's own version string, when the image carries one (bzImage {@code kernel_version}). */
    Optional<String> version();

    /**
     * End (exclusive) of the guest-physical memory the kernel needs from {@link
     * dev.kvmunit.internal.vmm.memory.MemoryLayout#KERNEL_START} on, including room to decompress and
     * initialise itself; the initramfs is placed above it.
     */
    long footprintEnd();

    /** Longest command line the kernel accepts, in bytes without the terminating NUL. */
    int maxCommandLineLength();

    /** End (exclusive) of the memory where the kernel can find its initramfs. */
    long initramfsLimit();

    /** Guest-physical address of the 64-bit entry point (long mode, RSI = zero page). */
    long entry64();

    /** Copies the kernel into guest RAM at its load address. */
    void loadInto(GuestMemory memory);
}
