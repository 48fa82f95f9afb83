package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * What KVM_GET_SUPPORTED_CPUID reports, specialised per vCPU for a {@link Topology}: the host's
 * APIC ids, sibling counts and cache sharing are replaced by the guest's, so the kernel
 * derives the topology the test asked for. Leaves not about topology pass through unchanged;
 * topology leaves are patched only where KVM reports them, so an Intel list keeps its
 * Intel leaves and an AMD list its AMD ones.
 */
public final class CpuidTemplate {
    static final int LEAF_FEATURES = 0x1;
    static final int LEAF_CACHE_PARAMETERS = 0x4;
    static final int LEAF_EXTENDED_TOPOLOGY = 0xB;
    static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1F;
    static final int LEAF_AMD_SIZE_IDENTIFIERS = 0x8000_0008;
    static final int LEAF_AMD_CACHE_TOPOLOGY = 0x8000_001D;
    static final int LEAF_AMD_PROCESSOR_TOPOLOGY = 0x8000_001E;

    static final int ECX_HYPERVISOR = 1 << 31;
    static final int EDX_HTT = 1 << 28;
    static final int LEVEL_TYPE_INVALID = 0;
    static final int LEVEL_TYPE_SMT = 1;
    static final int LEVEL_TYPE_CORE = 2;

    /** "AuthenticAMD" and "HygonGenuine" as leaf 0 returns them in EBX, EDX, ECX. */
    private static final int[][] AMD_LIKE_VENDORS = {
            {0x6874_7541, 0x6974_6E65, 0x444D_4163},
            {0x6F67_7948, 0x6E65_476E, 0x656E_6975}};

    private final List<CpuidEntry> supported;
    private final Topology topology;
    private final boolean amdLike;

    /**
     * @param supported what KVM_GET_SUPPORTED_CPUID returned
     * @param topology  the guest's topology
     */
    public CpuidTemplate(List<CpuidEntry> supported, Topology topology) {
        this.supported = List.copyOf(supported);
        this.topology = topology;
        this.amdLike = isAmdLike(this.supported);
    }

    /** Intel reserves 0x8000_0008 ECX (zero), so its AMD core count is filled in only for AMD-like CPUs. */
    private static boolean isAmdLike(List<CpuidEntry> entries) {
        for (CpuidEntry e : entries) {
            if (e.function() == 0 && e.index() == 0) {
                for (int[] vendor : AMD_LIKE_VENDORS) {
                    if (e.ebx() == vendor[0] && e.edx() == vendor[1] && e.ecx() == vendor[2]) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The CPUID entries for vCPU {@code vcpu} (0-based), for KVM_SET_CPUID2. */
    public List<CpuidEntry> forVcpu(int vcpu) {
        int apicId = topology.apicId(vcpu);
        List<CpuidEntry> entries = new ArrayList<>(supported.size() + 4);
        boolean extendedTopologyDone = false;
        boolean extendedTopologyV2Done = false;
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case LEAF_FEATURES -> entries.add(features(e, apicId));
                case LEAF_CACHE_PARAMETERS -> entries.add(cacheSharing(e, true));
                case LEAF_AMD_CACHE_TOPOLOGY -> entries.add(cacheSharing(e, false));
                case LEAF_AMD_SIZE_IDENTIFIERS -> entries.add(amdLike ? sizeIdentifiers(e) : e);
                case LEAF_AMD_PROCESSOR_TOPOLOGY -> entries.add(processorTopology(e, vcpu, apicId));
                case LEAF_EXTENDED_TOPOLOGY -> {
                    if (!extendedTopologyDone) {
                        entries.addAll(extendedTopology(LEAF_EXTENDED_TOPOLOGY, apicId));
                        extendedTopologyDone = true;
                    }
                }
                case LEAF_EXTENDED_TOPOLOGY_V2 -> {
                    if (!extendedTopologyV2Done) {
                        entries.addAll(extendedTopology(LEAF_EXTENDED_TOPOLOGY_V2, apicId));
                        extendedTopologyV2Done = true;
                    }
                }
                default -> entries.add(e);
            }
        }
        return List.copyOf(entries);
    }

    /**
     * Leaf 1: EBX[31:24] initial APIC id, EBX[23:16] addressable logical CPU ids per package;
     * EDX.HTT says that count is meaningful (more than one logical CPU); ECX bit 31 tells the
     * kernel it runs on a hypervisor.
     */
    private CpuidEntry features(CpuidEntry e, int apicId) {
        int addressableIds = Math.min(0xFF, 1 << topology.socketShift());
        int ebx = (e.ebx() & 0xFFFF) | (addressableIds << 16) | (apicId << 24);
        int edx = topology.logicalCpusPerSocket() > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
        return e.withRegisters(e.eax(), ebx, e.ecx() | ECX_HYPERVISOR, edx);
    }

    /**
     * Leaf 4 (Intel) and 0x8000_001D (AMD) describe one cache per subleaf. EAX[25:14] is the
     * number of APIC ids sharing it, minus one: a core's threads for L1/L2, the whole socket
     * for L3. Leaf 4's EAX[31:26] is the number of core ids per package, minus one.
     */
    private CpuidEntry cacheSharing(CpuidEntry e, boolean withCoreCount) {
        int cacheType = e.eax() & 0x1F;
        if (cacheType == 0) {
            return e;
        }
        int level = (e.eax() >> 5) & 0x7;
        int sharingBits = level <= 2 ? topology.threadBits() : topology.socketShift();
        int eax = (e.eax() & ~(0xFFF << 14)) | ((((1 << sharingBits) - 1) & 0xFFF) << 14);
        if (withCoreCount) {
            int coreBits = topology.socketShift() - topology.threadBits();
            eax = (eax & 0x03FF_FFFF) | ((((1 << coreBits) - 1) & 0x3F) << 26);
        }
        return e.withRegisters(eax, e.ebx(), e.ecx(), e.edx());
    }

    /**
     * Leaves 0xB and 0x1F: an SMT level and a core level, each with the shift that strips its
     * id from the x2APIC id and the logical CPU count it spans, then the invalid level that
     * ends the list. EDX is the x2APIC id in every subleaf.
     */
    private List<CpuidEntry> extendedTopology(int leaf, int apicId) {
        int flags = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
        return List.of(
                new CpuidEntry(leaf, 0, flags, topology.threadBits(), topology.threadsPerCore(),
                        (LEVEL_TYPE_SMT << 8), apicId),
                new CpuidEntry(leaf, 1, flags, topology.socketShift(), topology.logicalCpusPerSocket(),
                        (LEVEL_TYPE_CORE << 8) | 1, apicId),
                new CpuidEntry(leaf, 2, flags, 0, 0, (LEVEL_TYPE_INVALID << 8) | 2, apicId));
    }

    /** 0x8000_0008 ECX: [7:0] logical CPUs per package minus one, [15:12] APIC id bits for them. */
    private CpuidEntry sizeIdentifiers(CpuidEntry e) {
        int ecx = (e.ecx() & ~0xF0FF) | (topology.socketShift() << 12) | (topology.logicalCpusPerSocket() - 1);
        return e.withRegisters(e.eax(), e.ebx(), ecx, e.edx());
    }

    /**
     * 0x8000_001E: EAX extended APIC id; EBX[7:0] core id within the socket, EBX[15:8]
     * threads per core minus one; ECX[7:0] node id (one node per socket), ECX[10:8] nodes per
     * socket minus one.
     */
    private CpuidEntry processorTopology(CpuidEntry e, int vcpu, int apicId) {
        int ebx = (e.ebx() & ~0xFFFF) | ((topology.threadsPerCore() - 1) << 8) | topology.coreOf(vcpu);
        int ecx = (e.ecx() & ~0x7FF) | topology.socketOf(vcpu);
        return e.withRegisters(apicId, ebx, ecx, e.edx());
    }
}
