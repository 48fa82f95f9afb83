package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny files that pass for kernel images: a bzImage setup header with a version string, and no kernel. */
final class KernelImages {
    private KernelImages() {
    }

    /** The header fields the boot package checks: protocol 2.15, 64-bit entry, loaded high, relocatable. */
    static byte[] bzImage(String release) {
        int payloadParagraphs = 64;
        ByteBuffer b = ByteBuffer.allocate(2 * 512 + payloadParagraphs * 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) 1); // setup_sects: one sector after the boot sector
        b.putInt(0x1F4, payloadParagraphs); // syssize
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) 0x6A); // jump over a header that ends at 0x26c
        b.put(0x202, "HdrS".getBytes(StandardCharsets.US_ASCII));
        b.putShort(0x206, (short) 0x020F);
        b.putShort(0x20E, (short) 0x100); // version string at 0x300
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x22C, 0x7FFF_FFFF); // initrd_addr_max
        b.putInt(0x230, 0x20_0000); // kernel_alignment
        b.put(0x234, (byte) 1); // relocatable
        b.putShort(0x236, (short) 0x01); // XLF_KERNEL_64
        b.putInt(0x238, 2047); // cmdline_size
        b.putLong(0x258, 0x100_0000); // pref_address
        b.putInt(0x260, 0x80_0000); // init_size
        b.put(0x300, (release + " (builder@example) #1 SMP\0").getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    static Path writeBzImage(Path file, String release) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bzImage(release));
    }

    /** A Debian-layout tree: boot/vmlinuz-REL, boot/config-REL, lib/modules/REL/modules.dep. */
    static KernelTree writeTree(Path root, String release) throws IOException {
        KernelTree tree = new KernelTree(root, release);
        writeBzImage(tree.image(), release);
        Files.writeString(tree.config(), "CONFIG_VIRTIO_CONSOLE=y\n");
        Path modules = Files.createDirectories(root.resolve("lib/modules").resolve(release));
        Files.writeString(modules.resolve("modules.dep"), "kernel/drivers/virtio/virtio_mmio.ko.xz:\n");
        return tree;
    }
}
