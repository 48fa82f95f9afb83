package dev.kvmunit.internal.vmm.boot;

/**
 * Offsets into {@code struct boot_params} (arch/x86/include/uapi/asm/bootparam.h). The setup
 * header sits at the same offsets in a bzImage file and in the zero page, so the bzImage
 * parser and the zero page writer share these.
 */
final class BootParamsOffsets {
    private BootParamsOffsets() {
    }

    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0C0;
    static final int EXT_RAMDISK_SIZE = 0x0C4;
    static final int EXT_CMD_LINE_PTR = 0x0C8;
    static final int E820_ENTRIES = 0x1E8;

    /** Start of {@code struct setup_header}. */
    static final int SETUP_HEADER = 0x1F1;
    static final int SETUP_SECTS = 0x1F1;
    static final int SYSSIZE = 0x1F4;
    static final int VID_MODE = 0x1FA;
    static final int BOOT_FLAG = 0x1FE;
    /** Second byte of the jump instruction: the header length is 0x202 plus this byte. */
    static final int JUMP_LENGTH_BYTE = 0x201;
    static final int HEADER = 0x202;
    static final int VERSION = 0x206;
    static final int KERNEL_VERSION = 0x20E;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21C;
    static final int HEAP_END_PTR = 0x224;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22C;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** First byte after the fields of protocol 2.12 ({@code handover_offset} ends here). */
    static final int PROTOCOL_2_12_END = 0x268;
    /** {@code edd_mbr_sig_buffer}: the setup header must end before it. */
    static final int SETUP_HEADER_LIMIT = 0x290;
    static final int E820_TABLE = 0x2D0;
    static final int E820_ENTRY_SIZE = 20;
    static final int E820_MAX_ENTRIES = 128;
    static final int SIZE = 0x1000;

    static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** "HdrS" read as a little-endian u32. */
    static final int HEADER_MAGIC = 0x5372_6448;
    static final int LOADED_HIGH = 0x01;
    static final int CAN_USE_HEAP = 0x80;
    static final int XLF_KERNEL_64 = 0x01;
}
