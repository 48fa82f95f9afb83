package dev.kvmunit.internal.vmm.boot;

/**
 * The guest's CPU topology and the APIC ids it implies. APIC ids are packed the way hardware
 * packs them: thread bits lowest, then core bits, then the socket, each field as wide as its
 * count rounded up to a power of two. CPUID and the ACPI MADT must both take ids from
 * {@link #apicId}.
 *
 * <p>vCPU index {@code i} is thread {@code i % threadsPerCore} of core
 * {@code (i / threadsPerCore) % coresPerSocket} of socket {@code i / (threadsPerCore * coresPerSocket)}.
 */
public record Topology(int sockets, int coresPerSocket, int threadsPerCore) {
    /** xAPIC ids are 8 bits and 0xFF is the broadcast id. */
    public static final int MAX_APIC_ID = 0xFE;

    public Topology {
        if (sockets < 1 || coresPerSocket < 1 || threadsPerCore < 1) {
            throw new IllegalArgumentException(String.format(
                    "topology needs at least one socket, core and thread, was %d sockets x %d cores x %d threads",
                    sockets, coresPerSocket, threadsPerCore));
        }
        long maxId = ((long) (sockets - 1) << (ceilLog2(coresPerSocket) + ceilLog2(threadsPerCore)))
                | ((long) (coresPerSocket - 1) << ceilLog2(threadsPerCore)) | (threadsPerCore - 1);
        if (maxId > MAX_APIC_ID) {
            throw new IllegalArgumentException(String.format(
                    "topology of %d sockets x %d cores x %d threads needs APIC ids up to %d, beyond the xAPIC "
                            + "limit %d; use fewer CPUs or power-of-two core and thread counts",
                    sockets, coresPerSocket, threadsPerCore, maxId, MAX_APIC_ID));
        }
    }

    /** One socket of {@code cpus} single-threaded cores: APIC id = vCPU index. */
    public static Topology ofCpus(int cpus) {
        return new Topology(1, cpus, 1);
    }

    public int cpuCount() {
        return sockets * coresPerSocket * threadsPerCore;
    }

    public int logicalCpusPerSocket() {
        return coresPerSocket * threadsPerCore;
    }

    /** Width of the thread field of an APIC id (CPUID 0xB SMT level shift). */
    public int threadBits() {
        return ceilLog2(threadsPerCore);
    }

    /** Width of the thread and core fields together (CPUID 0xB core level shift). */
    public int socketShift() {
        return ceilLog2(threadsPerCore) + ceilLog2(coresPerSocket);
    }

    public int socketOf(int vcpu) {
        return checked(vcpu) / logicalCpusPerSocket();
    }

    public int coreOf(int vcpu) {
        return (checked(vcpu) / threadsPerCore) % coresPerSocket;
    }

    public int threadOf(int vcpu) {
        return checked(vcpu) % threadsPerCore;
    }

    /** The (x2)APIC id of vCPU {@code vcpu}. */
    public int apicId(int vcpu) {
        return (socketOf(vcpu) << socketShift()) | (coreOf(vcpu) << threadBits()) | threadOf(vcpu);
    }

    private int checked(int vcpu) {
        if (vcpu < 0 || vcpu >= cpuCount()) {
            throw new IllegalArgumentException("vCPU index " + vcpu + " is outside this topology's "
                    + cpuCount() + " CPUs");
        }
        return vcpu;
    }

    static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
