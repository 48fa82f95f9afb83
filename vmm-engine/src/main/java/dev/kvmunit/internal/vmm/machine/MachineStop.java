package dev.kvmunit.internal.vmm.machine;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a {@link Machine} stopped running. The first stop requested wins; later ones are
 * dropped, so a guest that writes the i8042 reset and then triple-faults still reads as a reset.
 *
 * @param reason what happened
 * @param detail one sentence for a human: which vCPU, which exit, which data words
 * @param error  the host-side exception behind a {@link Reason#DEVICE_ERROR} or
 *               {@link Reason#VMM_ERROR}, else null
 */
public record MachineStop(Reason reason, String detail, Throwable error) {

    public enum Reason {
        /** A device saw the guest ask for a reset (the i8042 pulse, kernel arg {@code reboot=k}). */
        GUEST_RESET,
        /** KVM_EXIT_SYSTEM_EVENT of type shutdown: the guest powered off (e.g. PSCI, ACPI S5 in-kernel). */
        GUEST_POWER_OFF,
        /** KVM_EXIT_SYSTEM_EVENT of type crash. */
        GUEST_CRASH,
        /** KVM_EXIT_SHUTDOWN: a triple fault, which real hardware turns into a reset. */
        TRIPLE_FAULT,
        /** KVM_EXIT_INTERNAL_ERROR: KVM could not emulate or deliver something. */
        KVM_INTERNAL_ERROR,
        /** KVM_EXIT_FAIL_ENTRY: the hardware refused to enter the guest state. */
        ENTRY_FAILED,
        /** An exit reason this VMM does not handle. */
        UNHANDLED_EXIT,
        /** A device threw while handling a guest access. */
        DEVICE_ERROR,
        /** KVM or the VMM itself failed (an ioctl error, a bug). */
        VMM_ERROR,
        /** The wall-clock limit passed to {@link Machine#run} expired. */
        TIMEOUT,
        /** The host asked the machine to stop (closing it, a test done with its guest). */
        HOST_REQUEST
    }

    public MachineStop {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    public MachineStop(Reason reason, String detail) {
        this(reason, detail, null);
    }

    /** The stop an i8042 (or any reset-capable device) requests when the guest pulses reset. */
    public static MachineStop guestReset(String how) {
        return new MachineStop(Reason.GUEST_RESET, "the guest requested a reset: " + how);
    }

    /** The stop the host requests when it is done with the guest. */
    public static MachineStop hostRequest(String why) {
        return new MachineStop(Reason.HOST_REQUEST, why);
    }

    public Optional<Throwable> errorCause() {
        return Optional.ofNullable(error);
    }

    /** True when the guest itself ended the run (reset or power off), as a finished guest does. */
    public boolean guestInitiated() {
        return reason == Reason.GUEST_RESET || reason == Reason.GUEST_POWER_OFF;
    }
}
