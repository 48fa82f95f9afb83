package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.nio.file.Path;
import java.util.List;

/**
 * Prepares guest RAM for a kernel's first instruction: kernel, command line, initramfs,
 * descriptor tables and either the zero page (64-bit boot protocol) or the PVH start info,
 * and returns the boot vCPU's registers. ACPI tables are written elsewhere; only their RSDP
 * address is handed on.
 */
public final class BootLoader {
    private static final int RSDP_V2_SIZE = 36;

    private BootLoader() {
    }

    /**
     * @param memory      guest RAM, starting at guest-physical 0; its size is the RAM size
     * @param kernel      the parsed kernel
     * @param initramfs   archives to concatenate (empty for none)
     * @param cmdline     the complete kernel command line
     * @param rsdpAddress guest-physical address of the ACPI RSDP, 0 for none
     * @throws BootException when the inputs do not fit guest RAM or the kernel's limits
     */
    public static BootCpuState prepare(GuestMemory memory, KernelImage kernel, List<Path> initramfs,
                                       String cmdline, long rsdpAddress) {
        E820Map e820 = E820Map.forRam(memory.size());
        if (rsdpAddress != 0 && !memory.contains(rsdpAddress, RSDP_V2_SIZE)) {
            throw new IllegalArgumentException(String.format("RSDP address 0x%x is outside guest RAM", rsdpAddress));
        }
        if (kernel.footprintEnd() > memory.size()) {
            throw new BootException(String.format(
                    "kernel %s needs guest RAM up to 0x%x (%d MiB) to load and unpack itself, but the VM has "
                            + "%d MiB; give it more memory", kernel.path(), kernel.footprintEnd(),
                    (kernel.footprintEnd() + (1 << 20) - 1) >> 20, memory.size() >> 20));
        }
        // Cheap checks first: a bad command line or an oversized initramfs should fail before
        // tens of MiB of kernel are copied.
        long cmdlineAddress = CommandLine.write(memory, cmdline, kernel);
        long initramfsLimit = Math.min(memory.size(), kernel.initramfsLimit());
        InitramfsImage image = InitramfsLoader.load(memory, initramfs, kernel.footprintEnd(), initramfsLimit);
        kernel.loadInto(memory);
        BootGdt.write(memory);

        if (kernel instanceof ElfKernel elf && elf.pvhEntry().isPresent()) {
            PvhStartInfo.write(memory, cmdlineAddress, image, e820, rsdpAddress);
            return BootCpuState.pvh(elf.pvhEntry().getAsLong());
        }
        IdentityPageTables.write(memory);
        ZeroPage.write(memory, kernel, cmdlineAddress, image, e820, rsdpAddress);
        return BootCpuState.longMode(kernel.entry64());
    }
}
