package dev.kvmunit.vmm.machine;

import dev.kvmunit.vmm.cpu.Registers;
import dev.kvmunit.vmm.cpu.Segment;
import dev.kvmunit.vmm.cpu.SpecialRegisters;
import dev.kvmunit.vmm.kvm.KvmVcpu;

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

    private static void start(KvmVcpu vcpu) {
        vcpu.setRegisters(new Registers(LOAD_ADDRESS, STACK, 0, 0, 0, 0, 0, Registers.RFLAGS_RESERVED));
    }
}
