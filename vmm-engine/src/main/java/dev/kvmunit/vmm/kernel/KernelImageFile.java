package dev.kvmunit.vmm.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Just enough of a kernel image file to tell a kernel from anything else before a VM is
 * built around it: a bzImage (x86 boot protocol setup header, "HdrS" at 0x202) whose length
 * matches what its header promises, or an ELF vmlinux. Booting details belong to the boot
 * package; this only checks the file and reads the release a bzImage carries.
 */
public record KernelImageFile(Path file, Kind kind, Optional<String> embeddedRelease) {

    public enum Kind { BZIMAGE, ELF_VMLINUX }

    private static final int SETUP_SECTS = 0x1F1;
    private static final int SYSSIZE = 0x1F4;
    private static final int BOOT_FLAG = 0x1FE;
    private static final int HEADER_MAGIC = 0x202;
    private static final int KERNEL_VERSION = 0x20E;
    private static final int HEADER_END = 0x210;
    private static final int MAX_VERSION_LENGTH = 256;
    private static final String EXPECTED = "expected a bzImage (x86 boot header, e.g. /boot/vmlinuz-*) or an ELF vmlinux";

    public static KernelImageFile inspect(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new KernelException("kernel image " + file + " does not exist or is not a file; " + EXPECTED);
        }
        if (!Files.isReadable(file)) {
            throw new KernelException("kernel image " + file + " is not readable by this user (Debian makes"
                    + " /boot/vmlinuz-* readable by root only): copy it somewhere readable or use a provisioned kernel");
        }
        try (FileChannel channel = FileChannel.open(file)) {
            long size = channel.size();
            ByteBuffer head = ByteBuffer.allocate(HEADER_END).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, head, 0);
            if (head.position() >= 4 && head.getInt(0) == 0x464C457F) {
                return new KernelImageFile(file, Kind.ELF_VMLINUX, Optional.empty());
            }
            if (head.position() < HEADER_END || Short.toUnsignedInt(head.getShort(BOOT_FLAG)) != 0xAA55
                    || head.getInt(HEADER_MAGIC) != 0x53726448) {
                throw new KernelException(file + " is not a Linux kernel image (" + size + " bytes, no boot header); "
                        + EXPECTED);
            }
            int setupSectors = Byte.toUnsignedInt(head.get(SETUP_SECTS));
            long expected = ((setupSectors == 0 ? 4 : setupSectors) + 1L) * 512 + Integer.toUnsignedLong(head.getInt(SYSSIZE)) * 16;
            if (size < expected) {
                throw new KernelException("kernel image " + file + " is truncated: its header promises " + expected
                        + " bytes but the file has " + size + "; fetch or copy it again");
            }
            return new KernelImageFile(file, Kind.BZIMAGE, versionString(channel, head, size));
        } catch (IOException e) {
            throw new KernelException("cannot read kernel image " + file + ": " + e.getMessage(), e);
        }
    }

    /** The release is the first word of the version string the header points at (0x200 + kernel_version). */
    private static Optional<String> versionString(FileChannel channel, ByteBuffer head, long size) throws IOException {
        int pointer = Short.toUnsignedInt(head.getShort(KERNEL_VERSION));
        long offset = 0x200L + pointer;
        if (pointer == 0 || offset >= size) {
            return Optional.empty();
        }
        ByteBuffer text = ByteBuffer.allocate((int) Math.min(MAX_VERSION_LENGTH, size - offset));
        readFully(channel, text, offset);
        String version = new String(text.array(), 0, text.position(), StandardCharsets.US_ASCII);
        int end = version.indexOf('\0');
        String release = (end >= 0 ? version.substring(0, end) : version).strip().split("\\s+", 2)[0];
        return release.isEmpty() || !release.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '/')
                ? Optional.empty() : Optional.of(release);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                return;
            }
        }
    }
}
