package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kvmunit.internal.vmm.devices.IrqLine;
import dev.kvmunit.internal.vmm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One KVM virtual machine. Owns everything created through it (vCPUs, the eventfds of irqfds
 * and ioeventfds), so {@link #close()} releases all of it even when setup stopped halfway.
 * Methods that create or register are meant for the setup thread; {@link #setIrqLevel} and
 * the {@link IrqLine}s may be used from any thread.
 */
public final class KvmVm implements AutoCloseable {
    private static final int KVM_PIT_SPEAKER_DUMMY = 1;
    private static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;

    private final KvmFd fd;
    private final int vcpuMmapSize;
    private final List<KvmVcpu> vcpus = new ArrayList<>();
    private final List<EventFd> eventFds = new ArrayList<>();
    /** Lets interrupt ioctls from device threads run in parallel, but never past {@link #close()}. */
    private final ReadWriteLock irqLock = new ReentrantReadWriteLock();
    /** Written under this and irqLock's write lock. */
    private volatile boolean closed;

    KvmVm(KvmFd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** The VM's file descriptor number. */
    int fd() {
        return fd.fd();
    }

    /**
     * Where KVM on Intel keeps the three pages of the real-mode TSS it needs to run real-mode
     * code under VMX. Must be guest-physical space that is neither RAM nor MMIO.
     */
    public void setTssAddress(long gpa) {
        fd.ioctl(KvmIoctls.KVM_SET_TSS_ADDR, gpa, "KVM_SET_TSS_ADDR(0x" + Long.toHexString(gpa) + ")");
    }

    /** Where KVM on Intel keeps the identity page table for unpaged guest code (one page). */
    public void setIdentityMapAddress(long gpa) {
        try (Memory address = new Memory(KvmIoctls.SIZEOF_U64)) {
            address.setLong(0, gpa);
            fd.ioctl(KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, address,
                    "KVM_SET_IDENTITY_MAP_ADDR(0x" + Long.toHexString(gpa) + ")");
        }
    }

    /** In-kernel PIC pair, IOAPIC and a local APIC per vCPU; call before creating vCPUs. */
    public void createIrqchip() {
        fd.ioctl(KvmIoctls.KVM_CREATE_IRQCHIP, 0L, "KVM_CREATE_IRQCHIP");
    }

    /**
     * In-kernel i8254 PIT on IRQ 0, with the PC speaker port (0x61) emulated too so the
     * kernel's PIT calibration does not bounce through the VMM.
     */
    public void createPit2() {
        try (Memory config = new Memory(KvmIoctls.SIZEOF_KVM_PIT_CONFIG)) {
            config.clear();
            config.setInt(0, KVM_PIT_SPEAKER_DUMMY);
            fd.ioctl(KvmIoctls.KVM_CREATE_PIT2, config, "KVM_CREATE_PIT2");
        }
    }

    /** Backs guest-physical {@code [guestPhysical, +memory.size())} with {@code memory}. */
    public void setUserMemoryRegion(int slot, long guestPhysical, GuestMemory memory) {
        try (Memory region = new Memory(KvmIoctls.SIZEOF_KVM_USERSPACE_MEMORY_REGION)) {
            region.setInt(0, slot);
            region.setInt(4, 0);
            region.setLong(8, guestPhysical);
            region.setLong(16, memory.size());
            region.setLong(24, Pointer.nativeValue(memory.hostPointer()));
            fd.ioctl(KvmIoctls.KVM_SET_USER_MEMORY_REGION, region, String.format(
                    "KVM_SET_USER_MEMORY_REGION(slot %d, [0x%x, +0x%x))", slot, guestPhysical, memory.size()));
        }
    }

    /**
     * Drives interrupt input {@code gsi} of the in-kernel irqchip (PIC and IOAPIC) to a level.
     * Does nothing once the VM is closed: a device may still raise its line during teardown,
     * and the VM's fd number may by then belong to another VM.
     */
    public void setIrqLevel(int gsi, boolean high) {
        irqLock.readLock().lock();
        try (Memory level = new Memory(KvmIoctls.SIZEOF_KVM_IRQ_LEVEL)) {
            if (closed) {
                return;
            }
            level.setInt(0, gsi);
            level.setInt(4, high ? 1 : 0);
            fd.ioctl(KvmIoctls.KVM_IRQ_LINE, level, "KVM_IRQ_LINE(gsi " + gsi + ")");
        } finally {
            irqLock.readLock().unlock();
        }
    }

    /** An {@link IrqLine} a device can hold, driving {@code gsi} through KVM_IRQ_LINE. */
    public IrqLine irqLine(int gsi) {
        return high -> setIrqLevel(gsi, high);
    }

    /**
     * Registers an irqfd: every {@link EventFd#signal()} on the returned eventfd injects an
     * edge on {@code gsi} without a trip through KVM_IRQ_LINE. Owned by this VM.
     */
    public EventFd irqfd(int gsi) {
        EventFd event = ownedEventFd("irqfd on gsi " + gsi);
        try (Memory request = new Memory(KvmIoctls.SIZEOF_KVM_IRQFD)) {
            request.clear();
            request.setInt(0, event.fd());
            request.setInt(4, gsi);
            fd.ioctl(KvmIoctls.KVM_IRQFD, request, "KVM_IRQFD(gsi " + gsi + ")");
        }
        return event;
    }

    /**
     * Registers an ioeventfd: a guest write of {@code length} bytes (1, 2, 4 or 8) to
     * {@code address} completes inside KVM and only signals the returned eventfd, which is
     * much cheaper than an exit. Owned by this VM.
     */
    public EventFd ioeventfd(IoEventSpace space, long address, int length) {
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException("ioeventfd length must be 1, 2, 4 or 8, was " + length);
        }
        String what = String.format("KVM_IOEVENTFD(%s 0x%x, %d bytes)", space, address, length);
        EventFd event = ownedEventFd(what);
        try (Memory request = new Memory(KvmIoctls.SIZEOF_KVM_IOEVENTFD)) {
            request.clear();
            request.setLong(8, address);
            request.setInt(16, length);
            request.setInt(20, event.fd());
            request.setInt(24, space == IoEventSpace.PORT ? KVM_IOEVENTFD_FLAG_PIO : 0);
            fd.ioctl(KvmIoctls.KVM_IOEVENTFD, request, what);
        }
        return event;
    }

    private synchronized EventFd ownedEventFd(String purpose) {
        EventFd event = EventFd.create(purpose);
        eventFds.add(event);
        return event;
    }

    /** Creates vCPU {@code id} (its initial APIC id) and maps its kvm_run. Owned by this VM. */
    public synchronized KvmVcpu createVcpu(int id) {
        int vcpuFd = fd.ioctl(KvmIoctls.KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU(" + id + ")");
        KvmVcpu vcpu = KvmVcpu.attach(new KvmFd(vcpuFd, "vCPU " + id), id, vcpuMmapSize);
        vcpus.add(vcpu);
        return vcpu;
    }

    /**
     * Closes the vCPUs, the VM and the eventfds. vCPU threads must have left KVM_RUN: their
     * kvm_run mapping goes away here.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        irqLock.writeLock().lock();
        try {
            closed = true;
        } finally {
            irqLock.writeLock().unlock();
        }
        // Each release is attempted even if an earlier one throws.
        List<AutoCloseable> resources = new ArrayList<>(vcpus);
        resources.add(fd);
        resources.addAll(eventFds);
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new KvmException("releasing the VM failed: " + e.getMessage(), 0, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
