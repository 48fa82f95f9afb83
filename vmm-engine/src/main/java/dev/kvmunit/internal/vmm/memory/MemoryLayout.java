package dev.kvmunit.internal.vmm.memory;

/**
 * Where things live in guest-physical memory on x86_64. One place, so that boot code,
 * ACPI, e820 and devices agree. Values follow the conventions Firecracker and
 * cloud-hypervisor use for Linux guests.
 */
public final class MemoryLayout {
    private MemoryLayout() {
    }

    /** Boot GDT: null, code32 (PVH), code64 0x10, data 0x18, and a 16-byte TSS descriptor at 0x20. */
    public static final long BOOT_GDT = 0x500;
    /** Empty boot IDT, after the 0x30-byte boot GDT. */
    public static final long BOOT_IDT = 0x530;
    /** PVH start info structure (hvm_start_info) and its memory map follow it. */
    public static final long PVH_START_INFO = 0x6000;
    /** Linux zero page, struct boot_params. */
    public static final long ZERO_PAGE = 0x7000;
    /** Initial stack pointer for the boot CPU. */
    public static final long BOOT_STACK = 0x8FF0;
    /** Identity page tables: PML4, PDPT, then page directories (2 MiB pages). */
    public static final long PML4 = 0x9000;
    public static final long PDPT = 0xA000;
    public static final long PD = 0xB000;
    /** Kernel command line, up to {@link #CMDLINE_MAX} bytes including NUL. */
    public static final long CMDLINE = 0x20000;
    public static final int CMDLINE_MAX = 0x10000;
    /** End of low conventional memory (what e820 reports as usable below 1 MiB). */
    public static final long EBDA_START = 0x9FC00;
    /** ACPI tables live in the legacy BIOS area; RSDP at its start (16-byte aligned). */
    public static final long ACPI_START = 0xE0000;
    public static final long ACPI_END = 0x100000;
    /** The protected-mode kernel is loaded here (bzImage) or at its ELF physical addresses. */
    public static final long KERNEL_START = 0x100000;
    /** virtio-mmio and other MMIO device windows, 4 KiB each. */
    public static final long MMIO_START = 0xD000_0000L;
    public static final long MMIO_DEVICE_SIZE = 0x1000;
    public static final long IOAPIC_ADDRESS = 0xFEC0_0000L;
    public static final long LAPIC_ADDRESS = 0xFEE0_0000L;
    /** Guest RAM is one region starting at 0 and ends below the MMIO hole. */
    public static final long MAX_RAM = 0xC000_0000L;
}
