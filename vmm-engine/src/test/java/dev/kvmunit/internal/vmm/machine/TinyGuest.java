package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.cpu.Registers;
import dev.kvmunit.internal.vmm.cpu.Segment;
import dev.kvmunit.internal.vmm.cpu.SpecialRegisters;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.KvmVcpu;
import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Loads the tiny guest programs the build assembles from src/test/asm and puts vCPUs in the
 * CPU mode a program is written for.
 */
public final class TinyGuest {
    /** Where assemble.sh links every program. */
    public static final long LOAD_ADDRESS = 0x1000;
    /** Initial stack pointer, below the program's page and above the real-mode IVT and BDA. */
    public static final long STACK = 0x7000;

    /** Page tables for long mode, clear of the program and its stack. */
    public static final long PAGE_TABLES = 0x9000;

    private static final long PRESENT_WRITABLE = 0x3;
    private static final long LARGE_PAGE = 0x80;
    private static final long CR0_PE = 1L;
    private static final long CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1L << 5;
    private static final long EFER_LME = 1L << 8;
    private static final long EFER_LMA = 1L << 10;

    private TinyGuest() {
    }

    /** Copies guest program {@code name} (src/test/asm/NAME.s) into guest memory at {@link #LOAD_ADDRESS}. */
    public static void load(Machine machine, String name) {
        String resource = "/guests/" + name + ".bin";
        try (InputStream in = TinyGuest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test guest " + resource + " is missing: the build assembles it"
                        + " from src/test/asm/" + name + ".s at generate-test-resources (needs binutils)");
            }
            machine.memory().write(LOAD_ADDRESS, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Real mode: every segment base 0, so addresses in the program are guest-physical. */
    public static void startRealMode(KvmVcpu vcpu) {
        SpecialRegisters s = vcpu.specialRegisters();
        Segment code = new Segment(0, 0xFFFF, 0, 0xB, true, 0, false, true, false, false);
        Segment data = new Segment(0, 0xFFFF, 0, 0x3, true, 0, false, true, false, false);
        vcpu.setSpecialRegisters(new SpecialRegisters(code, data, data, data, data, data, s.tr(), s.ldt(),
                s.gdtBase(), s.gdtLimit(), 0, 0x3FF, s.cr0() & ~1L, s.cr3(), s.cr4(), s.efer()));
        start(vcpu);
    }

    /** 32-bit protected mode, flat 4 GiB segments, no paging. */
    public static void startProtectedMode32(KvmVcpu vcpu) {
        SpecialRegisters s = vcpu.specialRegisters();
        Segment code = new Segment(0, 0xFFFFFFFF, 0x08, 0xB, true, 0, true, true, false, true);
        Segment data = new Segment(0, 0xFFFFFFFF, 0x10, 0x3, true, 0, true, true, false, true);
        vcpu.setSpecialRegisters(new SpecialRegisters(code, data, data, data, data, data, s.tr(), s.ldt(),
                s.gdtBase(), s.gdtLimit(), s.idtBase(), s.idtLimit(), s.cr0() | 1L, s.cr3(), s.cr4(), s.efer()));
        start(vcpu);
    }

    /**
     * 64-bit long mode: one PML4, one PDPT and one page directory identity-map the first
     * 1 GiB with 2 MiB pages at {@link #PAGE_TABLES}; flat 64-bit code and data segments.
     */
    public static void startLongMode(Machine machine, KvmVcpu vcpu) {
        GuestMemory memory = machine.memory();
        long pml4 = PAGE_TABLES;
        long pdpt = PAGE_TABLES + 0x1000;
        long pd = PAGE_TABLES + 0x2000;
        memory.write64(pml4, pdpt | PRESENT_WRITABLE);
        memory.write64(pdpt, pd | PRESENT_WRITABLE);
        for (int i = 0; i < 512; i++) {
            memory.write64(pd + 8L * i, ((long) i << 21) | PRESENT_WRITABLE | LARGE_PAGE);
        }
        giveLongModeCpuid(vcpu);
        SpecialRegisters s = vcpu.specialRegisters();
        Segment code = new Segment(0, 0xFFFFFFFF, 0x08, 0xB, true, 0, false, true, true, true);
        Segment data = new Segment(0, 0xFFFFFFFF, 0x10, 0x3, true, 0, true, true, false, true);
        vcpu.setSpecialRegisters(new SpecialRegisters(code, data, data, data, data, data, s.tr(), s.ldt(),
                s.gdtBase(), s.gdtLimit(), s.idtBase(), s.idtLimit(), s.cr0() | CR0_PE | CR0_PG, pml4,
                s.cr4() | CR4_PAE, s.efer() | EFER_LME | EFER_LMA));
        start(vcpu);
    }

    /** KVM refuses EFER.LME unless the vCPU's CPUID offers long mode, as a real VMM sets it first. */
    public static void giveLongModeCpuid(KvmVcpu vcpu) {
        try (KvmSystem kvm = KvmSystem.open()) {
            vcpu.setCpuid(kvm.supportedCpuid());
        }
    }

    private static void start(KvmVcpu vcpu) {
        vcpu.setRegisters(new Registers(LOAD_ADDRESS, STACK, 0, 0, 0, 0, 0, Registers.RFLAGS_RESERVED));
    }
}
