package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.devices.IoBus;
import dev.kvmunit.internal.vmm.devices.IrqLine;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.KvmVcpu;
import dev.kvmunit.internal.vmm.kvm.KvmVm;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;
import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One x86_64 virtual machine ready to run: a KVM VM with in-kernel irqchip and PIT, guest RAM
 * from guest-physical 0, its vCPUs, and the port-I/O and MMIO buses their exits go to. Boot
 * code loads memory and sets vCPU registers, devices are registered on the buses, then
 * {@link #run} runs one platform thread per vCPU ("kvmunit-vcpu-N") until the first
 * {@link MachineStop}.
 *
 * <p>A machine runs once. {@link #requestStop} may be called from any thread, devices on vCPU
 * threads included, and takes every vCPU out of KVM_RUN promptly. {@link #close} releases
 * everything (threads, kvm_run mappings, fds, eventfds, guest RAM) and is idempotent.
 *
 * <p>vCPU state: vCPU 0 starts RUNNABLE, the others in KVM's default UNINITIALIZED state,
 * which is what a kernel expects (it wakes them with INIT/SIPI). To start every vCPU at
 * given registers, set them and {@link dev.kvmunit.internal.vmm.kvm.MpState#RUNNABLE} on each
 * {@link #vcpus() vCPU} before running.
 */
public final class Machine implements AutoCloseable {
    /**
     * Three pages KVM on Intel needs for real-mode emulation, and the page after them for
     * its identity map: just below the 4 GiB BIOS area, clear of RAM (below 3 GiB), the MMIO
     * windows, the IOAPIC and the local APICs. Firecracker uses the same place.
     */
    public static final long TSS_ADDRESS = 0xFFFB_D000L;
    public static final long IDENTITY_MAP_ADDRESS = 0xFFFB_C000L;
    public static final int MAX_VCPUS = 254;

    private final KvmVm vm;
    private final GuestMemory memory;
    private final List<KvmVcpu> vcpus;
    private final IoBus portIo = new IoBus();
    private final IoBus mmio = new IoBus();
    private final List<VcpuRunner> runners = new ArrayList<>();

    private final AtomicReference<MachineStop> stop = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Guarded by this. */
    private final List<Thread> threads = new ArrayList<>();
    /** Guarded by this. */
    private boolean started;
    /** Guarded by this. */
    private boolean closed;

    private Machine(KvmVm vm, GuestMemory memory, List<KvmVcpu> vcpus) {
        this.vm = vm;
        this.memory = memory;
        this.vcpus = List.copyOf(vcpus);
        for (KvmVcpu vcpu : this.vcpus) {
            runners.add(new VcpuRunner(vcpu, portIo, mmio, () -> stop.get() != null, this::requestStop));
        }
    }

    /**
     * Creates a machine with {@code memoryBytes} of RAM at guest-physical 0 and
     * {@code vcpuCount} vCPUs (APIC ids 0..n-1). On failure everything created so far is released.
     */
    public static Machine create(KvmSystem kvm, long memoryBytes, int vcpuCount) {
        if (memoryBytes <= 0 || memoryBytes % 4096 != 0 || memoryBytes > MemoryLayout.MAX_RAM) {
            throw new IllegalArgumentException(String.format("guest memory must be a multiple of 4 KiB between"
                    + " 4 KiB and %d MiB (RAM ends below the MMIO hole), was %d bytes",
                    MemoryLayout.MAX_RAM >> 20, memoryBytes));
        }
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count must be between 1 and " + MAX_VCPUS + ", was " + vcpuCount);
        }
        KvmVm vm = kvm.createVm();
        GuestMemory memory = null;
        try {
            vm.setTssAddress(TSS_ADDRESS);
            vm.setIdentityMapAddress(IDENTITY_MAP_ADDRESS);
            vm.createIrqchip();
            vm.createPit2();
            memory = GuestMemory.anonymous(memoryBytes);
            vm.setUserMemoryRegion(0, 0, memory);
            List<KvmVcpu> vcpus = new ArrayList<>(vcpuCount);
            for (int id = 0; id < vcpuCount; id++) {
                vcpus.add(vm.createVcpu(id));
            }
            return new Machine(vm, memory, vcpus);
        } catch (RuntimeException | Error e) {
            vm.close();
            if (memory != null) {
                memory.close();
            }
            throw e;
        }
    }

    public GuestMemory memory() {
        return memory;
    }

    /** The KVM VM, for irqfds, ioeventfds and other VM-wide setup. */
    public KvmVm vm() {
        return vm;
    }

    /** The vCPUs, index = vCPU id = initial APIC id. */
    public List<KvmVcpu> vcpus() {
        return vcpus;
    }

    /** Port I/O (16-bit port space) as the guest's IN/OUT instructions see it. */
    public IoBus portIo() {
        return portIo;
    }

    /** Guest-physical addresses that are not RAM and not handled inside KVM. */
    public IoBus mmio() {
        return mmio;
    }

    /** Interrupt input {@code gsi} of the in-kernel irqchip. */
    public IrqLine irqLine(int gsi) {
        return vm.irqLine(gsi);
    }

    /**
     * Runs the vCPUs until the first stop or until {@code timeout} passes, then stops and
     * joins every vCPU thread. Never throws for anything the guest or a device does.
     */
    public MachineStop run(Duration timeout) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this machine is closed");
            }
            if (started) {
                throw new IllegalStateException("a machine runs only once; create a new one");
            }
            started = true;
            // Install the kick handler here, so a process where that fails hears it from run().
            KickSignal.number();
            for (int i = 0; i < runners.size(); i++) {
                Thread thread = new Thread(runners.get(i), "kvmunit-vcpu-" + i);
                // A wedged vCPU must never keep the JVM alive.
                thread.setDaemon(true);
                threads.add(thread);
            }
        }
        try {
            threads.forEach(Thread::start);
            if (!stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                requestStop(new MachineStop(Reason.TIMEOUT, "the guest did not stop within " + timeout));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            requestStop(MachineStop.hostRequest("the thread running the machine was interrupted"));
        } catch (RuntimeException | Error e) {
            requestStop(new MachineStop(Reason.VMM_ERROR, "starting the vCPU threads failed: " + e, e));
        } finally {
            joinVcpuThreads();
        }
        return stop.get();
    }

    /**
     * Ends the run with {@code reason} unless it already ended: the first request wins. Any
     * thread may call this, including a device on a vCPU thread; it does not wait.
     */
    public void requestStop(MachineStop reason) {
        if (stop.compareAndSet(null, reason)) {
            stopped.countDown();
        }
        runners.forEach(VcpuRunner::kick);
    }

    /** Why the machine stopped; null while it runs or before it ran. */
    public MachineStop stopReason() {
        return stop.get();
    }

    /**
     * Waits for every started vCPU thread. A kick can land while its thread is still between
     * KVM_RUNs in Java; immediate_exit makes the next KVM_RUN return at once anyway, and
     * re-kicking while waiting costs nothing, so the wait cannot miss a thread.
     */
    private void joinVcpuThreads() {
        List<Thread> toJoin;
        synchronized (this) {
            toJoin = List.copyOf(threads);
        }
        boolean interrupted = false;
        for (int i = 0; i < toJoin.size(); i++) {
            Thread thread = toJoin.get(i);
            while (thread.isAlive()) {
                runners.get(i).kick();
                try {
                    thread.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the guest if it runs, waits for the vCPU threads, then releases the vCPUs, the VM,
     * its eventfds and guest RAM. Idempotent; must not be called from a vCPU thread.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        requestStop(MachineStop.hostRequest("the machine was closed"));
        joinVcpuThreads();
        try {
            vm.close();
        } finally {
            memory.close();
        }
    }
}
