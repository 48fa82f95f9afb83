package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.kvmunit.internal.vmm.cpu.CpuidEntry;
import dev.kvmunit.internal.vmm.sys.LibC;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The open KVM device ({@code /dev/kvm}): checked to speak API version 12 and to offer every
 * {@link KvmCapability} the engine needs, so a host that cannot run our VMs fails here, once,
 * with a sentence that says why and how to fix it, instead of halfway through a boot.
 */
public final class KvmSystem implements AutoCloseable {
    public static final Path DEFAULT_DEVICE = Path.of("/dev/kvm");

    /** KVM_API_VERSION; it has not changed since Linux 2.6.22 and never will. */
    static final int API_VERSION = 12;

    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EACCES = 13;
    private static final int ENODEV = 19;
    private static final int EPERM = 1;

    /** KVM_MAX_CPUID_ENTRIES is 256 in current kernels; growing on E2BIG covers future ones. */
    private static final int INITIAL_CPUID_ENTRIES = 256;
    private static final int MAX_CPUID_ENTRIES = 4096;

    private final KvmFd fd;
    private final Path device;
    private final int vcpuMmapSize;

    private KvmSystem(KvmFd fd, Path device, int vcpuMmapSize) {
        this.fd = fd;
        this.device = device;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** Opens {@link #DEFAULT_DEVICE}. */
    public static KvmSystem open() {
        return open(DEFAULT_DEVICE);
    }

    /**
     * Opens and checks a KVM device node.
     *
     * @throws KvmUnavailableException when the device is missing, not accessible, speaks
     *                                 another API version or lacks a required capability
     */
    public static KvmSystem open(Path device) {
        if (!Files.exists(device)) {
            throw new KvmUnavailableException(device + " does not exist: this host has no KVM; enable"
                    + " virtualization in the firmware and load kvm_intel or kvm_amd (modprobe), or run on"
                    + " a machine or VM type that offers nested virtualization.", ENOENT);
        }
        int raw;
        try {
            raw = LibC.INSTANCE.open(device.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw openFailure(device, e);
        }
        KvmFd fd = new KvmFd(raw, device.toString());
        try {
            int version = apiVersion(fd, device);
            if (version != API_VERSION) {
                throw new KvmUnavailableException(device + " speaks KVM API version " + version + " but "
                        + API_VERSION + " is required: run on a Linux kernel with a standard KVM module.", 0);
            }
            Set<KvmCapability> missing = EnumSet.noneOf(KvmCapability.class);
            for (KvmCapability cap : KvmCapability.values()) {
                if (fd.ioctl(KvmIoctls.KVM_CHECK_EXTENSION, cap.number(), "KVM_CHECK_EXTENSION") <= 0) {
                    missing.add(cap);
                }
            }
            if (!missing.isEmpty()) {
                throw new KvmUnavailableException(device + " lacks " + missing.stream()
                        .map(KvmCapability::headerName).toList() + ", which this VMM needs: run on a Linux"
                        + " kernel whose KVM offers them (any x86_64 kernel since 4.12 does).", 0);
            }
            int mmapSize = fd.ioctl(KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0L, "KVM_GET_VCPU_MMAP_SIZE");
            return new KvmSystem(fd, device, mmapSize);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    private static int apiVersion(KvmFd fd, Path device) {
        try {
            return fd.ioctl(KvmIoctls.KVM_GET_API_VERSION, 0L, "KVM_GET_API_VERSION");
        } catch (KvmException e) {
            throw new KvmUnavailableException(device + " is not a KVM device (" + e.getMessage() + "): point the"
                    + " engine at /dev/kvm.", e.errno());
        }
    }

    private static KvmUnavailableException openFailure(Path device, LastErrorException e) {
        int errno = e.getErrorCode();
        String sentence = switch (errno) {
            case EACCES, EPERM -> "Permission denied opening " + device + ": add your user to the group that"
                    + " owns it (usually kvm: sudo usermod -aG kvm $USER, then log in again) or make it"
                    + " readable and writable for you (chmod 666 in throwaway CI machines).";
            case ENOENT, ENXIO, ENODEV -> device + " exists but no KVM driver answers behind it: load"
                    + " kvm_intel or kvm_amd (modprobe) and check that virtualization is enabled in the firmware.";
            default -> "Cannot open " + device + ": " + KvmFd.strerror(e) + ".";
        };
        return new KvmUnavailableException(sentence, errno);
    }

    public Path device() {
        return device;
    }

    /** Size of the per-vCPU {@code struct kvm_run} mapping (plus the pages that follow it). */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    /** The value of {@code KVM_CHECK_EXTENSION} for a capability number; 0 means absent. */
    public int checkExtension(int capability) {
        return fd.ioctl(KvmIoctls.KVM_CHECK_EXTENSION, capability, "KVM_CHECK_EXTENSION(" + capability + ")");
    }

    /** Every CPUID leaf KVM can virtualize on this host, as KVM_GET_SUPPORTED_CPUID reports it. */
    public List<CpuidEntry> supportedCpuid() {
        for (int capacity = INITIAL_CPUID_ENTRIES; ; capacity *= 2) {
            try (Memory buffer = CpuidTable.allocate(capacity)) {
                try {
                    fd.ioctl(KvmIoctls.KVM_GET_SUPPORTED_CPUID, buffer, "KVM_GET_SUPPORTED_CPUID");
                } catch (KvmException e) {
                    if (e.errno() == KvmFd.E2BIG && capacity < MAX_CPUID_ENTRIES) {
                        continue;
                    }
                    throw e;
                }
                return CpuidTable.decode(buffer);
            }
        }
    }

    /** Creates a new, empty VM (type 0: the default x86 VM). */
    public KvmVm createVm() {
        int vmFd = fd.ioctl(KvmIoctls.KVM_CREATE_VM, 0L, "KVM_CREATE_VM");
        return new KvmVm(new KvmFd(vmFd, "VM"), vcpuMmapSize);
    }

    @Override
    public void close() {
        fd.close();
    }
}
