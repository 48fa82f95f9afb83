package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static dev.kvmunit.internal.vmm.boot.BootParamsOffsets.*;

/**
 * A bzImage (Documentation/arch/x86/boot.rst): real-mode setup sectors followed by the
 * protected-mode kernel, which is loaded at {@link MemoryLayout#KERNEL_START} and entered in
 * long mode at its start + 0x200. Requires boot protocol 2.12 (for {@code xloadflags}) and
 * the XLF_KERNEL_64 flag that promises the 64-bit entry.
 */
public final class BzImage implements KernelImage {
    static final int MIN_PROTOCOL = 0x020C;
    /** Offset of the 64-bit entry point from the start of the protected-mode kernel. */
    static final long ENTRY64_OFFSET = 0x200;
    /** setup_sects of 0 means 4, for compatibility with ancient kernels. */
    private static final int DEFAULT_SETUP_SECTS = 4;
    private static final int SECTOR = 512;
    private static final int MAX_VERSION_LENGTH = 256;

    /** End of the "HdrS" signature: enough of the file to recognise a bzImage. */
    static final int SIGNATURE_END = HEADER + 4;

    private final Path path;
    private final byte[] setupHeader;
    private final int protocol;
    private final long payloadOffset;
    private final long payloadSize;
    private final long footprintEnd;
    private final int cmdlineSize;
    private final long initrdAddrMax;
    private final String version;

    private BzImage(Path path, byte[] setupHeader, int protocol, long payloadOffset, long payloadSize,
                    long footprintEnd, int cmdlineSize, long initrdAddrMax, String version) {
        this.path = path;
        this.setupHeader = setupHeader;
        this.protocol = protocol;
        this.payloadOffset = payloadOffset;
        this.payloadSize = payloadSize;
        this.footprintEnd = footprintEnd;
        this.cmdlineSize = cmdlineSize;
        this.initrdAddrMax = initrdAddrMax;
        this.version = version;
    }

    static boolean hasSignature(ByteBuffer start) {
        return start.limit() >= SIGNATURE_END && start.getInt(HEADER) == HEADER_MAGIC;
    }

    /** An "MZ" file too short to reach the signature: a bzImage (EFI stub) cut short, most likely. */
    static boolean isCutBeforeSignature(ByteBuffer start) {
        return start.limit() < SIGNATURE_END && start.limit() >= 2 && start.get(0) == 'M' && start.get(1) == 'Z';
    }

    static BzImage parse(KernelFile file) {
        Path path = file.path();
        ByteBuffer boot = file.read(0, PROTOCOL_2_12_END, "the bzImage setup header (through protocol 2.12 fields)");
        int protocol = Short.toUnsignedInt(boot.getShort(VERSION));
        if (protocol < MIN_PROTOCOL) {
            throw new KernelImageException(path, String.format(
                    "bzImage speaks boot protocol %d.%02d; kvmunit needs 2.12 or newer (Linux 3.8+) for the 64-bit entry",
                    protocol >> 8, protocol & 0xFF));
        }
        if (Short.toUnsignedInt(boot.getShort(BOOT_FLAG)) != BOOT_FLAG_MAGIC) {
            throw new KernelImageException(path, String.format(
                    "has \"HdrS\" at 0x202 but boot_flag 0x%04x instead of 0xaa55; not a bzImage or a corrupt one",
                    Short.toUnsignedInt(boot.getShort(BOOT_FLAG))));
        }
        if ((Short.toUnsignedInt(boot.getShort(XLOADFLAGS)) & XLF_KERNEL_64) == 0) {
            throw new KernelImageException(path, "bzImage has no 64-bit entry point (XLF_KERNEL_64 not set in "
                    + "xloadflags): a 32-bit kernel? kvmunit boots x86_64 kernels only");
        }
        if ((boot.get(LOADFLAGS) & LOADED_HIGH) == 0) {
            throw new KernelImageException(path, "is a zImage (LOADED_HIGH not set in loadflags); only bzImages load at 1 MiB");
        }

        int headerEnd = HEADER + Byte.toUnsignedInt(boot.get(JUMP_LENGTH_BYTE));
        if (headerEnd < PROTOCOL_2_12_END || headerEnd > SETUP_HEADER_LIMIT) {
            throw new KernelImageException(path, String.format(
                    "setup header claims to end at 0x%x (0x202 + byte at 0x201); a protocol 2.12+ header ends "
                            + "between 0x%x and 0x%x", headerEnd, PROTOCOL_2_12_END, SETUP_HEADER_LIMIT));
        }
        byte[] setupHeader = new byte[headerEnd - SETUP_HEADER];
        file.read(SETUP_HEADER, setupHeader.length, "the bzImage setup header").get(setupHeader);

        int setupSects = Byte.toUnsignedInt(boot.get(SETUP_SECTS));
        long payloadOffset = (long) ((setupSects == 0 ? DEFAULT_SETUP_SECTS : setupSects) + 1) * SECTOR;
        long declaredPayload = Integer.toUnsignedLong(boot.getInt(SYSSIZE)) * 16;
        file.requireInFile(payloadOffset, Math.max(declaredPayload, 1),
                "the protected-mode kernel (setup_sects and syssize)");
        long payloadSize = file.size() - payloadOffset;

        long footprintEnd = Math.max(MemoryLayout.KERNEL_START + payloadSize,
                runtimeStart(path, boot) + Integer.toUnsignedLong(boot.getInt(INIT_SIZE)));
        int cmdlineSize = (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(boot.getInt(CMDLINE_SIZE)));
        long initrdAddrMax = Integer.toUnsignedLong(boot.getInt(INITRD_ADDR_MAX));
        String version = readVersion(file, boot, payloadOffset);
        return new BzImage(path, setupHeader, protocol, payloadOffset, payloadSize, footprintEnd,
                cmdlineSize, initrdAddrMax, version);
    }

    /**
     * Where the kernel decompresses itself, per boot.rst's description of init_size: the
     * load address raised to pref_address and aligned up for a relocatable kernel,
     * pref_address otherwise.
     */
    private static long runtimeStart(Path path, ByteBuffer boot) {
        long pref = boot.getLong(PREF_ADDRESS);
        if (boot.get(RELOCATABLE_KERNEL) == 0) {
            return pref;
        }
        long alignment = Integer.toUnsignedLong(boot.getInt(KERNEL_ALIGNMENT));
        if (Long.bitCount(alignment) != 1) {
            throw new KernelImageException(path, String.format(
                    "relocatable bzImage has kernel_alignment 0x%x, which is not a power of two; corrupt header?",
                    alignment));
        }
        long start = Math.max(MemoryLayout.KERNEL_START, pref);
        return (start + alignment - 1) & -alignment;
    }

    /** The NUL-terminated string that kernel_version points to (less 0x200), inside the setup code. */
    private static String readVersion(KernelFile file, ByteBuffer boot, long setupEnd) {
        int pointer = Short.toUnsignedInt(boot.getShort(KERNEL_VERSION));
        if (pointer == 0) {
            return null;
        }
        long offset = pointer + 0x200L;
        int length = (int) Math.min(MAX_VERSION_LENGTH, setupEnd - offset);
        if (length <= 0) {
            return null;
        }
        ByteBuffer text = file.read(offset, length, "the kernel version string");
        int end = 0;
        while (end < length && text.get(end) != 0) {
            end++;
        }
        return end == 0 ? null : new String(text.array(), 0, end, StandardCharsets.US_ASCII);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /** Boot protocol version, e.g. 0x020f for 2.15. */
    public int protocol() {
        return protocol;
    }

    /** The setup header bytes from offset 0x1f1 to its end, as the zero page must start out. */
    public byte[] setupHeader() {
        return setupHeader.clone();
    }

    @Override
    public long footprintEnd() {
        return footprintEnd;
    }

    @Override
    public int maxCommandLineLength() {
        return cmdlineSize;
    }

    @Override
    public long initramfsLimit() {
        return initrdAddrMax + 1;
    }

    @Override
    public long entry64() {
        return MemoryLayout.KERNEL_START + ENTRY64_OFFSET;
    }

    @Override
    public void loadInto(GuestMemory memory) {
        try (KernelFile file = KernelFile.open(path)) {
            file.copyTo(memory, payloadOffset, MemoryLayout.KERNEL_START, payloadSize, "the protected-mode kernel");
        }
    }
}
