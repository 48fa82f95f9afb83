package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.Memory;
import dev.kvmunit.internal.vmm.cpu.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct kvm_cpuid2} (a count, padding, then {@code kvm_cpuid_entry2[]}) in native
 * memory, in both directions: KVM_GET_SUPPORTED_CPUID fills one, KVM_SET_CPUID2 reads one.
 */
final class CpuidTable {
    private CpuidTable() {
    }

    private static final int ENTRY = KvmIoctls.SIZEOF_KVM_CPUID_ENTRY2;
    private static final int HEADER = KvmIoctls.SIZEOF_KVM_CPUID2;

    /** An empty table with room for {@code capacity} entries, nent set to the capacity. */
    static Memory allocate(int capacity) {
        Memory m = new Memory(HEADER + (long) capacity * ENTRY);
        m.clear();
        m.setInt(0, capacity);
        return m;
    }

    static Memory encode(List<CpuidEntry> entries) {
        Memory m = allocate(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry e = entries.get(i);
            long at = HEADER + (long) i * ENTRY;
            m.setInt(at, e.function());
            m.setInt(at + 4, e.index());
            m.setInt(at + 8, e.flags());
            m.setInt(at + 12, e.eax());
            m.setInt(at + 16, e.ebx());
            m.setInt(at + 20, e.ecx());
            m.setInt(at + 24, e.edx());
        }
        return m;
    }

    static List<CpuidEntry> decode(Memory m) {
        long capacity = (m.size() - HEADER) / ENTRY;
        int count = m.getInt(0);
        if (count < 0 || count > capacity) {
            throw new KvmException("KVM reported " + count + " CPUID entries in a table of " + capacity, 0);
        }
        List<CpuidEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long at = HEADER + (long) i * ENTRY;
            entries.add(new CpuidEntry(m.getInt(at), m.getInt(at + 4), m.getInt(at + 8), m.getInt(at + 12),
                    m.getInt(at + 16), m.getInt(at + 20), m.getInt(at + 24)));
        }
        return List.copyOf(entries);
    }
}
