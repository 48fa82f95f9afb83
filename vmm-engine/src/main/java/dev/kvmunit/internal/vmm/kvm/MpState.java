package dev.kvmunit.internal.vmm.kvm;

/** A vCPU's multiprocessing state ({@code KVM_MP_STATE_*}), in the kernel's numbering. */
public enum MpState {
    /** Running or ready to run: the boot CPU's default. */
    RUNNABLE,
    /** Waiting for INIT: application processors start here with an in-kernel irqchip. */
    UNINITIALIZED,
    INIT_RECEIVED,
    HALTED,
    SIPI_RECEIVED,
    STOPPED,
    CHECK_STOP,
    OPERATING,
    LOAD,
    AP_RESET_HOLD,
    SUSPENDED;

    int number() {
        return ordinal();
    }

    static MpState of(int number) {
        MpState[] all = values();
        if (number < 0 || number >= all.length) {
            throw new KvmException("KVM reported unknown mp_state " + number, 0);
        }
        return all[number];
    }
}
