package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.devices.IoBus;
import dev.kvmunit.internal.vmm.kvm.KvmRun;
import dev.kvmunit.internal.vmm.kvm.KvmVcpu;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The body of one vCPU thread: KVM_RUN in a loop, each exit dispatched to the port-I/O or
 * MMIO bus, anything else turned into a {@link MachineStop}. Nothing escapes the thread: a
 * device that throws or a failing ioctl becomes a stop too. Also the kick target: it knows
 * its thread's kernel tid while (and only while) the thread runs, so a kick never signals a
 * thread id the kernel may have handed to someone else.
 */
final class VcpuRunner implements Runnable {
    private static final int INTERNAL_ERROR_EMULATION = 1;
    private static final int INTERNAL_ERROR_SIMUL_EX = 2;
    private static final int INTERNAL_ERROR_DELIVERY_EV = 3;
    private static final int INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;

    private final KvmVcpu vcpu;
    private final IoBus portIo;
    private final IoBus mmio;
    private final BooleanSupplier stopRequested;
    private final Consumer<MachineStop> stopper;

    private final Object tidLock = new Object();
    /** Kernel thread id while the loop runs; 0 before and after. Guarded by tidLock. */
    private int tid;

    VcpuRunner(KvmVcpu vcpu, IoBus portIo, IoBus mmio, BooleanSupplier stopRequested,
               Consumer<MachineStop> stopper) {
        this.vcpu = vcpu;
        this.portIo = portIo;
        this.mmio = mmio;
        this.stopRequested = stopRequested;
        this.stopper = stopper;
    }

    @Override
    public void run() {
        try {
            synchronized (tidLock) {
                tid = KickSignal.currentThreadId();
            }
            KickSignal.unblockInCurrentThread();
            loop();
        } catch (Throwable t) {
            stopper.accept(new MachineStop(Reason.VMM_ERROR, "vCPU " + vcpu.id() + " failed: " + t, t));
        } finally {
            synchronized (tidLock) {
                tid = 0;
            }
        }
    }

    private void loop() {
        while (!stopRequested.getAsBoolean()) {
            if (!vcpu.run()) {
                continue; // no exit: a kick (the loop condition sees the stop), a stray signal, or an AP woken by SIPI
            }
            MachineStop stop = handleExit(vcpu.kvmRun());
            if (stop != null) {
                stopper.accept(stop);
                return;
            }
        }
    }

    /** Makes the thread leave KVM_RUN now, or skip its next entry. Any thread may call it. */
    void kick() {
        vcpu.kvmRun().requestImmediateExit();
        synchronized (tidLock) {
            if (tid != 0) {
                KickSignal.send(tid);
            }
        }
    }

    /** Handles one exit; returns the stop it means, or null to keep running. */
    private MachineStop handleExit(KvmRun run) {
        int reason = run.exitReason();
        return switch (reason) {
            case KvmRun.EXIT_IO -> portIo(run);
            case KvmRun.EXIT_MMIO -> mmio(run);
            case KvmRun.EXIT_SHUTDOWN -> new MachineStop(Reason.TRIPLE_FAULT, String.format(
                    "vCPU %d shut down (KVM_EXIT_SHUTDOWN, a triple fault) at rip 0x%x", vcpu.id(),
                    vcpu.registers().rip()));
            case KvmRun.EXIT_SYSTEM_EVENT -> systemEvent(run);
            case KvmRun.EXIT_INTERNAL_ERROR -> new MachineStop(Reason.KVM_INTERNAL_ERROR, String.format(
                    "KVM internal error on vCPU %d: suberror %d (%s), data %s", vcpu.id(), run.internalSuberror(),
                    suberrorName(run.internalSuberror()), hexWords(run.internalData())));
            case KvmRun.EXIT_FAIL_ENTRY -> new MachineStop(Reason.ENTRY_FAILED, String.format(
                    "vCPU %d could not enter the guest (KVM_EXIT_FAIL_ENTRY): hardware reason 0x%x on host CPU %d",
                    vcpu.id(), run.failEntryReason(), run.failEntryCpu()));
            default -> new MachineStop(Reason.UNHANDLED_EXIT, String.format(
                    "vCPU %d exited with %s, which this VMM does not handle", vcpu.id(), exitName(reason)));
        };
    }

    private MachineStop portIo(KvmRun run) {
        int port = run.ioPort();
        int width = run.ioSize();
        boolean out = run.ioIsOut();
        try {
            for (int i = 0; i < run.ioCount(); i++) {
                if (out) {
                    portIo.write(port, run.ioData(i));
                } else {
                    byte[] data = new byte[width];
                    portIo.read(port, data);
                    run.setIoData(i, data);
                }
            }
            return null;
        } catch (RuntimeException e) {
            return deviceError(String.format("%s of %d bytes at port 0x%x", out ? "write" : "read", width, port), e);
        }
    }

    private MachineStop mmio(KvmRun run) {
        long address = run.mmioAddress();
        boolean write = run.mmioIsWrite();
        try {
            if (write) {
                mmio.write(address, run.mmioData());
            } else {
                byte[] data = new byte[run.mmioLength()];
                mmio.read(address, data);
                run.setMmioData(data);
            }
            return null;
        } catch (RuntimeException e) {
            return deviceError(String.format("MMIO %s of %d bytes at 0x%x", write ? "write" : "read",
                    run.mmioLength(), address), e);
        }
    }

    private MachineStop deviceError(String access, RuntimeException e) {
        return new MachineStop(Reason.DEVICE_ERROR, "the device handling the guest's " + access + " on vCPU "
                + vcpu.id() + " threw " + e, e);
    }

    private MachineStop systemEvent(KvmRun run) {
        int type = run.systemEventType();
        String detail = String.format("vCPU %d: KVM_EXIT_SYSTEM_EVENT type %d, data %s", vcpu.id(), type,
                hexWords(run.systemEventData()));
        return switch (type) {
            case KvmRun.SYSTEM_EVENT_SHUTDOWN -> new MachineStop(Reason.GUEST_POWER_OFF, detail);
            case KvmRun.SYSTEM_EVENT_RESET -> new MachineStop(Reason.GUEST_RESET, detail);
            case KvmRun.SYSTEM_EVENT_CRASH -> new MachineStop(Reason.GUEST_CRASH, detail);
            default -> new MachineStop(Reason.UNHANDLED_EXIT, detail);
        };
    }

    private static String suberrorName(int suberror) {
        return switch (suberror) {
            case INTERNAL_ERROR_EMULATION -> "instruction emulation failed";
            case INTERNAL_ERROR_SIMUL_EX -> "exception while delivering an exception";
            case INTERNAL_ERROR_DELIVERY_EV -> "exit while delivering an event";
            case INTERNAL_ERROR_UNEXPECTED_EXIT_REASON -> "unexpected hardware exit reason";
            default -> "unknown suberror";
        };
    }

    static String exitName(int reason) {
        return switch (reason) {
            case KvmRun.EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
            case KvmRun.EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
            case KvmRun.EXIT_HYPERCALL -> "KVM_EXIT_HYPERCALL";
            case KvmRun.EXIT_DEBUG -> "KVM_EXIT_DEBUG";
            case KvmRun.EXIT_HLT -> "KVM_EXIT_HLT";
            default -> "exit reason " + reason;
        };
    }

    private static String hexWords(long[] words) {
        return Arrays.stream(words).mapToObj(w -> "0x" + Long.toHexString(w)).toList().toString();
    }
}
