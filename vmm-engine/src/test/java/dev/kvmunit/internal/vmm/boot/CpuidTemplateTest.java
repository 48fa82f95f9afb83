package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.cpu.CpuidEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class CpuidTemplateTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void flatTopologyOnAmd(int cpus) {
        CpuidTemplate template = new CpuidTemplate(SupportedCpuid.AMD_EPYC, Topology.ofCpus(cpus));
        int bits = Topology.ceilLog2(cpus);
        for (int vcpu = 0; vcpu < cpus; vcpu++) {
            List<CpuidEntry> entries = template.forVcpu(vcpu);
            assertUniqueKeys(entries);

            CpuidEntry leaf1 = find(entries, 0x1, 0);
            assertEquals(vcpu, leaf1.ebx() >>> 24, "initial APIC id");
            assertEquals(1 << bits, (leaf1.ebx() >>> 16) & 0xFF, "addressable logical ids");
            assertEquals(0x0800, leaf1.ebx() & 0xFFFF, "CLFLUSH size and brand kept");
            assertEquals(cpus > 1, (leaf1.edx() & (1 << 28)) != 0, "HTT");
            assertTrue(leaf1.ecx() < 0, "hypervisor bit");
            assertEquals(0xb00f21, leaf1.eax(), "signature kept");

            assertExtendedTopology(entries, 0xB, 0, 1, bits, cpus, vcpu);
            assertTrue(entries.stream().noneMatch(e -> e.function() == 0x1F), "no leaf 0x1F invented");

            CpuidEntry sizes = find(entries, 0x8000_0008, 0);
            assertEquals(cpus - 1, sizes.ecx() & 0xFF, "NC");
            assertEquals(bits, (sizes.ecx() >>> 12) & 0xF, "ApicIdSize");
            assertEquals(0x3030, sizes.eax(), "address sizes kept");

            CpuidEntry topo = find(entries, 0x8000_001E, 0);
            assertEquals(vcpu, topo.eax(), "extended APIC id");
            assertEquals(vcpu, topo.ebx() & 0xFF, "core id");
            assertEquals(0, (topo.ebx() >>> 8) & 0xFF, "one thread per core");
            assertEquals(0, topo.ecx() & 0x7FF, "node 0 of one");

            assertEquals(0, sharing(find(entries, 0x8000_001D, 0)), "L1d per core");
            assertEquals(0, sharing(find(entries, 0x8000_001D, 2)), "L2 per core");
            assertEquals((1 << bits) - 1, sharing(find(entries, 0x8000_001D, 3)), "L3 per socket");
            assertEquals(0x163, find(entries, 0x8000_001D, 3).eax() & 0x3FFF, "cache type and level kept");
            assertEquals(find(SupportedCpuid.AMD_EPYC, 0x8000_001D, 4), find(entries, 0x8000_001D, 4));
        }
    }

    @Test
    void unrelatedLeavesPassThrough() {
        List<CpuidEntry> entries = new CpuidTemplate(SupportedCpuid.AMD_EPYC, Topology.ofCpus(4)).forVcpu(2);
        Set<Integer> patched = Set.of(0x1, 0x4, 0xB, 0x8000_0008, 0x8000_001D, 0x8000_001E);
        for (CpuidEntry original : SupportedCpuid.AMD_EPYC) {
            if (!patched.contains(original.function())) {
                assertEquals(original, find(entries, original.function(), original.index()));
            }
        }
        assertEquals(SupportedCpuid.AMD_EPYC.size() + 2, entries.size(), "leaf 0xB grew from 1 to 3 subleaves");
    }

    @Test
    void smtTopologyOnIntel() {
        Topology topology = new Topology(2, 3, 2);
        CpuidTemplate template = new CpuidTemplate(SupportedCpuid.INTEL_XEON, topology);

        assertEquals(List.of(0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13),
                IntStream.range(0, 12).map(topology::apicId).boxed().toList());
        List<CpuidEntry> entries = template.forVcpu(7);
        assertUniqueKeys(entries);
        int apicId = 9; // socket 1, core 0, thread 1

        CpuidEntry leaf1 = find(entries, 0x1, 0);
        assertEquals(apicId, leaf1.ebx() >>> 24);
        assertEquals(8, (leaf1.ebx() >>> 16) & 0xFF);
        assertNotEquals(0, leaf1.edx() & (1 << 28));

        assertExtendedTopology(entries, 0xB, 1, 2, 3, 6, apicId);
        assertExtendedTopology(entries, 0x1F, 1, 2, 3, 6, apicId);

        for (int cache = 0; cache < 4; cache++) {
            CpuidEntry leaf4 = find(entries, 0x4, cache);
            int level = (leaf4.eax() >> 5) & 7;
            assertEquals(level < 3 ? 1 : 7, sharing(leaf4), "APIC ids sharing L" + level);
            assertEquals(3, leaf4.eax() >>> 26, "core ids per package - 1");
            assertEquals(find(SupportedCpuid.INTEL_XEON, 0x4, cache).ebx(), leaf4.ebx(), "geometry kept");
        }
        assertEquals(0, find(entries, 0x4, 4).eax(), "terminator untouched");
        assertEquals(0, find(entries, 0x8000_0008, 0).ecx(), "Intel keeps 0x8000_0008 ECX reserved");
    }

    @Test
    void amdSmtTopologyReportsThreadsAndCores() {
        CpuidTemplate template = new CpuidTemplate(SupportedCpuid.AMD_EPYC, new Topology(1, 4, 2));
        List<CpuidEntry> entries = template.forVcpu(5); // core 2, thread 1
        CpuidEntry topo = find(entries, 0x8000_001E, 0);
        assertEquals(5, topo.eax());
        assertEquals(2, topo.ebx() & 0xFF);
        assertEquals(1, (topo.ebx() >>> 8) & 0xFF);
        assertEquals(1, sharing(find(entries, 0x8000_001D, 0)), "L1 shared by two threads");
        assertEquals(7, find(entries, 0x8000_0008, 0).ecx() & 0xFF);
    }

    @Test
    void secondSocketIsItsOwnNode() {
        CpuidTemplate template = new CpuidTemplate(SupportedCpuid.AMD_EPYC, new Topology(2, 2, 1));
        assertEquals(1, find(template.forVcpu(3), 0x8000_001E, 0).ecx() & 0xFF);
        assertEquals(1, find(template.forVcpu(3), 0x8000_001E, 0).ebx() & 0xFF, "core 1 of socket 1");
    }

    @Test
    void rejectsVcpuOutsideTopology() {
        CpuidTemplate template = new CpuidTemplate(SupportedCpuid.AMD_EPYC, Topology.ofCpus(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> template.forVcpu(2));
        Messages.assertContains(e, "vCPU index 2", "2 CPUs");
    }

    @Test
    void topologyRejectsZeroCountsAndApicIdsBeyondXapic() {
        Messages.assertContains(assertThrows(IllegalArgumentException.class, () -> new Topology(1, 0, 1)),
                "1 sockets x 0 cores x 1 threads");
        Messages.assertContains(assertThrows(IllegalArgumentException.class, () -> Topology.ofCpus(256)),
                "APIC ids up to 255", "xAPIC limit 254");
        Messages.assertContains(assertThrows(IllegalArgumentException.class, () -> new Topology(2, 129, 1)),
                "APIC ids up to 384", "power-of-two");
        assertEquals(254, Topology.ofCpus(255).apicId(254));
        assertEquals(227, new Topology(2, 100, 1).apicId(199), "socket 1 starts at APIC id 128");
    }

    private static void assertExtendedTopology(List<CpuidEntry> entries, int leaf, int smtShift, int threads,
                                               int coreShift, int logical, int apicId) {
        List<CpuidEntry> levels = entries.stream().filter(e -> e.function() == leaf).toList();
        assertEquals(3, levels.size(), "SMT, core and terminating level");
        for (int i = 0; i < 3; i++) {
            CpuidEntry level = levels.get(i);
            assertEquals(i, level.index());
            assertEquals(i, level.ecx() & 0xFF, "ECX echoes the level number");
            assertEquals(apicId, level.edx(), "x2APIC id");
            assertEquals(CpuidEntry.FLAG_SIGNIFICANT_INDEX, level.flags());
        }
        assertEquals(smtShift, levels.get(0).eax());
        assertEquals(threads, levels.get(0).ebx());
        assertEquals(1, levels.get(0).ecx() >>> 8, "SMT type");
        assertEquals(coreShift, levels.get(1).eax());
        assertEquals(logical, levels.get(1).ebx());
        assertEquals(2, levels.get(1).ecx() >>> 8, "core type");
        assertEquals(0, levels.get(2).ebx());
        assertEquals(0, levels.get(2).ecx() >>> 8, "invalid type ends the list");
    }

    private static int sharing(CpuidEntry cache) {
        return (cache.eax() >>> 14) & 0xFFF;
    }

    private static CpuidEntry find(List<CpuidEntry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst()
                .orElseThrow(() -> new AssertionError(String.format("no leaf 0x%x.%d", function, index)));
    }

    private static void assertUniqueKeys(List<CpuidEntry> entries) {
        Set<Long> keys = new HashSet<>();
        for (CpuidEntry e : entries) {
            assertTrue(keys.add(((long) e.function() << 32) | e.index()),
                    String.format("duplicate leaf 0x%x.%d", e.function(), e.index()));
        }
    }
}
