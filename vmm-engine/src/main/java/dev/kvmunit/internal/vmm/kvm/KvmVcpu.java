package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kvmunit.internal.vmm.cpu.CpuidEntry;
import dev.kvmunit.internal.vmm.cpu.Msr;
import dev.kvmunit.internal.vmm.cpu.Registers;
import dev.kvmunit.internal.vmm.cpu.Segment;
import dev.kvmunit.internal.vmm.cpu.SpecialRegisters;
import dev.kvmunit.internal.vmm.sys.LibC;

import java.util.List;

/**
 * One virtual CPU: its fd, its mapped {@link KvmRun} page and the register ioctls, mapped to
 * and from the {@code cpu} records. Register calls belong to setup (or the vCPU's own thread);
 * {@link #run()} belongs to the vCPU thread. Created by {@link KvmVm#createVcpu}, which also
 * closes it.
 */
public final class KvmVcpu implements AutoCloseable {
    /** x87 control word after FNINIT: all exceptions masked, 64-bit precision, round to nearest. */
    private static final int FPU_CONTROL_WORD = 0x37F;
    /** MXCSR reset value: all SSE exceptions masked. */
    private static final int MXCSR_DEFAULT = 0x1F80;

    private static final int SEGMENT_SIZE = 24;
    private static final int SREGS_GDT = 192;
    private static final int SREGS_IDT = 208;
    private static final int SREGS_CR0 = 224;
    private static final int SREGS_CR3 = 240;
    private static final int SREGS_CR4 = 248;
    private static final int SREGS_EFER = 264;

    private static final int REGS_RAX = 0;
    private static final int REGS_RBX = 8;
    private static final int REGS_RSI = 32;
    private static final int REGS_RDI = 40;
    private static final int REGS_RSP = 48;
    private static final int REGS_RBP = 56;
    private static final int REGS_RIP = 128;
    private static final int REGS_RFLAGS = 136;

    private static final int FPU_FCW = 128;
    private static final int FPU_MXCSR = 408;

    private final KvmFd fd;
    private final int id;
    private final Pointer runPage;
    private final long runSize;
    private final KvmRun run;
    private boolean closed;

    private KvmVcpu(KvmFd fd, int id, Pointer runPage, long runSize) {
        this.fd = fd;
        this.id = id;
        this.runPage = runPage;
        this.runSize = runSize;
        this.run = new KvmRun(runPage, runSize);
    }

    static KvmVcpu attach(KvmFd fd, int id, int mmapSize) {
        Pointer page;
        try {
            page = LibC.INSTANCE.mmap(null, mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd.fd(), 0);
        } catch (LastErrorException e) {
            fd.close();
            throw new KvmException("mapping kvm_run of vCPU " + id + " failed: " + KvmFd.strerror(e),
                    e.getErrorCode(), e);
        }
        return new KvmVcpu(fd, id, page, mmapSize);
    }

    public int id() {
        return id;
    }

    public KvmRun kvmRun() {
        return run;
    }

    /**
     * Enters the guest until the next exit that needs the VMM.
     *
     * @return true on an exit (see {@link KvmRun#exitReason()}), false when KVM_RUN returned
     *         without one: interrupted by a signal or {@link KvmRun#requestImmediateExit()}, or
     *         EAGAIN, which KVM returns when an application processor waiting for INIT/SIPI
     *         (mp_state UNINITIALIZED) was woken and the caller should simply enter again
     */
    public boolean run() {
        try {
            fd.ioctl(KvmIoctls.KVM_RUN, 0L, "KVM_RUN");
            return true;
        } catch (KvmException e) {
            if (e.errno() == KvmFd.EINTR || e.errno() == KvmFd.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    public Registers registers() {
        try (Memory regs = new Memory(KvmIoctls.SIZEOF_KVM_REGS)) {
            fd.ioctl(KvmIoctls.KVM_GET_REGS, regs, "KVM_GET_REGS");
            return new Registers(regs.getLong(REGS_RIP), regs.getLong(REGS_RSP), regs.getLong(REGS_RBP),
                    regs.getLong(REGS_RSI), regs.getLong(REGS_RDI), regs.getLong(REGS_RAX), regs.getLong(REGS_RBX),
                    regs.getLong(REGS_RFLAGS));
        }
    }

    /** Sets the general-purpose registers; those {@link Registers} does not name become zero. */
    public void setRegisters(Registers r) {
        try (Memory regs = new Memory(KvmIoctls.SIZEOF_KVM_REGS)) {
            regs.clear();
            regs.setLong(REGS_RAX, r.rax());
            regs.setLong(REGS_RBX, r.rbx());
            regs.setLong(REGS_RSI, r.rsi());
            regs.setLong(REGS_RDI, r.rdi());
            regs.setLong(REGS_RSP, r.rsp());
            regs.setLong(REGS_RBP, r.rbp());
            regs.setLong(REGS_RIP, r.rip());
            regs.setLong(REGS_RFLAGS, r.rflags());
            fd.ioctl(KvmIoctls.KVM_SET_REGS, regs, "KVM_SET_REGS");
        }
    }

    public SpecialRegisters specialRegisters() {
        try (Memory sregs = getSregs()) {
            Segment[] s = new Segment[8];
            for (int i = 0; i < s.length; i++) {
                s[i] = readSegment(sregs, (long) i * SEGMENT_SIZE);
            }
            return new SpecialRegisters(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                    sregs.getLong(SREGS_GDT), Short.toUnsignedInt(sregs.getShort(SREGS_GDT + 8)),
                    sregs.getLong(SREGS_IDT), Short.toUnsignedInt(sregs.getShort(SREGS_IDT + 8)),
                    sregs.getLong(SREGS_CR0), sregs.getLong(SREGS_CR3), sregs.getLong(SREGS_CR4),
                    sregs.getLong(SREGS_EFER));
        }
    }

    /**
     * Sets the special registers by read-modify-write: fields the record does not carry
     * (APIC base, CR2, CR8, pending interrupt bitmap) keep KVM's current values, so the
     * in-kernel local APIC stays enabled at its address.
     */
    public void setSpecialRegisters(SpecialRegisters r) {
        try (Memory sregs = getSregs()) {
            Segment[] s = {r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt()};
            for (int i = 0; i < s.length; i++) {
                writeSegment(sregs, (long) i * SEGMENT_SIZE, s[i]);
            }
            sregs.setLong(SREGS_GDT, r.gdtBase());
            sregs.setShort(SREGS_GDT + 8, (short) r.gdtLimit());
            sregs.setLong(SREGS_IDT, r.idtBase());
            sregs.setShort(SREGS_IDT + 8, (short) r.idtLimit());
            sregs.setLong(SREGS_CR0, r.cr0());
            sregs.setLong(SREGS_CR3, r.cr3());
            sregs.setLong(SREGS_CR4, r.cr4());
            sregs.setLong(SREGS_EFER, r.efer());
            fd.ioctl(KvmIoctls.KVM_SET_SREGS, sregs, "KVM_SET_SREGS");
        }
    }

    private Memory getSregs() {
        Memory sregs = new Memory(KvmIoctls.SIZEOF_KVM_SREGS);
        try {
            fd.ioctl(KvmIoctls.KVM_GET_SREGS, sregs, "KVM_GET_SREGS");
            return sregs;
        } catch (RuntimeException e) {
            sregs.close();
            throw e;
        }
    }

    // struct kvm_segment: __u64 base; __u32 limit; __u16 selector; __u8 type, present, dpl, db, s, l, g, avl,
    // unusable, padding.
    private static Segment readSegment(Memory m, long at) {
        return new Segment(m.getLong(at), m.getInt(at + 8), Short.toUnsignedInt(m.getShort(at + 12)),
                m.getByte(at + 14) & 0xFF, m.getByte(at + 15) != 0, m.getByte(at + 16) & 0xFF,
                m.getByte(at + 17) != 0, m.getByte(at + 18) != 0, m.getByte(at + 19) != 0, m.getByte(at + 20) != 0);
    }

    private static void writeSegment(Memory m, long at, Segment s) {
        m.setLong(at, s.base());
        m.setInt(at + 8, s.limit());
        m.setShort(at + 12, (short) s.selector());
        m.setByte(at + 14, (byte) s.type());
        m.setByte(at + 15, flag(s.present()));
        m.setByte(at + 16, (byte) s.dpl());
        m.setByte(at + 17, flag(s.defaultSize()));
        m.setByte(at + 18, flag(s.system()));
        m.setByte(at + 19, flag(s.longMode()));
        m.setByte(at + 20, flag(s.granularity()));
        m.setByte(at + 21, (byte) 0);
        // A segment that is not present is what VMX calls unusable; KVM wants that said explicitly.
        m.setByte(at + 22, flag(!s.present()));
        m.setByte(at + 23, (byte) 0);
    }

    private static byte flag(boolean b) {
        return (byte) (b ? 1 : 0);
    }

    /** Sets the CPUID this vCPU reports (KVM_SET_CPUID2); usually supported CPUID, patched per vCPU. */
    public void setCpuid(List<CpuidEntry> entries) {
        try (Memory table = CpuidTable.encode(entries)) {
            fd.ioctl(KvmIoctls.KVM_SET_CPUID2, table, "KVM_SET_CPUID2(" + entries.size() + " entries)");
        }
    }

    /** Writes MSRs; fails naming the first MSR KVM refused. */
    public void setMsrs(List<Msr> msrs) {
        int entry = KvmIoctls.SIZEOF_KVM_MSR_ENTRY;
        try (Memory table = new Memory(KvmIoctls.SIZEOF_KVM_MSRS + (long) Math.max(1, msrs.size()) * entry)) {
            table.clear();
            table.setInt(0, msrs.size());
            for (int i = 0; i < msrs.size(); i++) {
                long at = KvmIoctls.SIZEOF_KVM_MSRS + (long) i * entry;
                table.setInt(at, msrs.get(i).index());
                table.setLong(at + 8, msrs.get(i).value());
            }
            int written = fd.ioctl(KvmIoctls.KVM_SET_MSRS, table, "KVM_SET_MSRS");
            if (written != msrs.size()) {
                throw new KvmException(String.format("KVM_SET_MSRS on vCPU %d refused MSR 0x%x (value 0x%x)", id,
                        msrs.get(written).index(), msrs.get(written).value()), 0);
            }
        }
    }

    /** Puts the FPU in its power-on state as Linux expects to find it at boot. */
    public void initFpu() {
        try (Memory fpu = new Memory(KvmIoctls.SIZEOF_KVM_FPU)) {
            fpu.clear();
            fpu.setShort(FPU_FCW, (short) FPU_CONTROL_WORD);
            fpu.setInt(FPU_MXCSR, MXCSR_DEFAULT);
            fd.ioctl(KvmIoctls.KVM_SET_FPU, fpu, "KVM_SET_FPU");
        }
    }

    public MpState mpState() {
        try (Memory state = new Memory(KvmIoctls.SIZEOF_KVM_MP_STATE)) {
            fd.ioctl(KvmIoctls.KVM_GET_MP_STATE, state, "KVM_GET_MP_STATE");
            return MpState.of(state.getInt(0));
        }
    }

    public void setMpState(MpState mpState) {
        try (Memory state = new Memory(KvmIoctls.SIZEOF_KVM_MP_STATE)) {
            state.setInt(0, mpState.number());
            fd.ioctl(KvmIoctls.KVM_SET_MP_STATE, state, "KVM_SET_MP_STATE(" + mpState + ")");
        }
    }

    /** Unmaps kvm_run and closes the fd. Only after the vCPU's thread has left KVM_RUN. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LibC.INSTANCE.munmap(runPage, runSize);
        } finally {
            fd.close();
        }
    }
}
