package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.Registers;
import dev.kvmunit.internal.vmm.cpu.Segment;
import dev.kvmunit.internal.vmm.cpu.SpecialRegisters;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

/**
 * The boot vCPU's registers at the kernel's first instruction. The other vCPUs start in
 * wait-for-SIPI and need none; the kernel brings them up through the local APIC.
 */
public record BootCpuState(Registers registers, SpecialRegisters specialRegisters) {
    static final long CR0_PE = 1;
    static final long CR0_ET = 1 << 4;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8;
    static final long EFER_LMA = 1 << 10;

    /**
     * The 64-bit boot protocol: long mode with identity paging, CS = __BOOT_CS, data segments
     * = __BOOT_DS, RSI = zero page.
     */
    static BootCpuState longMode(long entry) {
        Segment data = BootGdt.DATA.cache(BootGdt.DATA_SELECTOR);
        SpecialRegisters sregs = new SpecialRegisters(BootGdt.CODE64.cache(BootGdt.CODE64_SELECTOR),
                data, data, data, data, data, BootGdt.TSS.cache(BootGdt.TSS_SELECTOR), Segment.unusable(),
                MemoryLayout.BOOT_GDT, BootGdt.LIMIT, MemoryLayout.BOOT_IDT, BootGdt.IDT_LIMIT,
                CR0_PE | CR0_ET | CR0_PG, MemoryLayout.PML4, CR4_PAE, EFER_LME | EFER_LMA);
        Registers regs = new Registers(entry, MemoryLayout.BOOT_STACK, MemoryLayout.BOOT_STACK,
                MemoryLayout.ZERO_PAGE, 0, 0, 0, Registers.RFLAGS_RESERVED);
        return new BootCpuState(regs, sregs);
    }

    /**
     * The PVH entry (xen start_info.h): 32-bit protected mode, paging off, flat 4 GiB CS and
     * data segments, EBX = hvm_start_info. The stack is unspecified by PVH; the kernel sets
     * its own, so the boot stack is only a safe value.
     */
    static BootCpuState pvh(long entry) {
        Segment data = BootGdt.DATA.cache(BootGdt.DATA_SELECTOR);
        SpecialRegisters sregs = new SpecialRegisters(BootGdt.CODE32.cache(BootGdt.CODE32_SELECTOR),
                data, data, data, data, data, BootGdt.TSS.cache(BootGdt.TSS_SELECTOR), Segment.unusable(),
                MemoryLayout.BOOT_GDT, BootGdt.LIMIT, MemoryLayout.BOOT_IDT, BootGdt.IDT_LIMIT,
                CR0_PE | CR0_ET, 0, 0, 0);
        Registers regs = new Registers(entry, MemoryLayout.BOOT_STACK, MemoryLayout.BOOT_STACK,
                0, 0, 0, MemoryLayout.PVH_START_INFO, Registers.RFLAGS_RESERVED);
        return new BootCpuState(regs, sregs);
    }
}
