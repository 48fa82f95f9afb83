package dev.kvmunit.internal.vmm.bench;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.HostMappings;
import dev.kvmunit.internal.vmm.memory.HostMappings.Usage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Host memory that N VMs' guest RAM costs when each holds the same initramfs base, mapped
 * copy-on-write from the cached file as the boot loader does, or copied in as it did before.
 * Every page of the base is read in every VM, as the kernel's unpacker reads it. Figures come
 * from the kernel's accounting of the guest RAM ranges (see {@link HostMappings}): resident (each
 * VM's resident pages), Pss (shared pages split between their mappers, so it sums to what the
 * host really spends), private (pages mapped once) and anonymous (pages no file backs).
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -q -pl vmm-engine test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kvmunit.internal.vmm.bench.BaseSharingBenchmark [-Dexec.arguments=BASE]
 * </pre>
 * BASE is a cached base (a {@code .cpio.lz4} from the kvmunit cache, a whole number of pages);
 * without it a 32 MiB file of random bytes stands in, as incompressible as a compressed archive.
 * Needs Linux, not KVM.
 */
public final class BaseSharingBenchmark {
    private static final int[] VM_COUNTS = {1, 4, 16};
    private static final int SYNTHETIC_BASE_SIZE = 32 << 20;
    /** Guest RAM beyond the base, untouched here, as the kernel's own RAM would be. */
    private static final long HEADROOM = 16 << 20;
    private static final double MIB = 1 << 20;

    private BaseSharingBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path work = Files.createTempDirectory("kvmunit-sharing-bench");
        try {
            Path base = args.length > 0 ? Path.of(args[0]) : syntheticBase(work);
            long size = Files.size(base);
            if (size == 0 || size % GuestMemory.PAGE_SIZE != 0) {
                throw new IllegalArgumentException(base + " holds " + size + " bytes; a cached base is a positive "
                        + "multiple of " + GuestMemory.PAGE_SIZE + " (pass a .cpio.lz4 from the kvmunit cache)");
            }
            byte[] bytes = Files.readAllBytes(base);
            System.out.printf(Locale.ROOT, "base %s: %.1f MiB%n", base.getFileName(), size / MIB);
            System.out.printf(Locale.ROOT, "%4s  %-7s %10s %10s %10s %10s  (MiB)%n",
                    "VMs", "base", "resident", "Pss", "private", "anonymous");
            for (int vms : VM_COUNTS) {
                for (boolean mapped : new boolean[] {true, false}) {
                    Usage usage = measure(vms, base, bytes, mapped);
                    System.out.printf(Locale.ROOT, "%4d  %-7s %10.1f %10.1f %10.1f %10.1f%n", vms,
                            mapped ? "mapped" : "copied", usage.resident() / MIB, usage.pss() / MIB,
                            usage.privateBytes() / MIB, usage.anonymous() / MIB);
                }
            }
        } finally {
            try (var files = Files.list(work)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(work);
        }
    }

    private static Usage measure(int vms, Path base, byte[] bytes, boolean mapped) throws IOException {
        List<GuestMemory> memories = new ArrayList<>();
        try {
            for (int i = 0; i < vms; i++) {
                GuestMemory memory = GuestMemory.anonymous(bytes.length + HEADROOM);
                memories.add(memory);
                if (mapped) {
                    memory.mapFile(0, base, bytes.length);
                } else {
                    memory.write(0, bytes);
                }
                for (long page = 0; page < bytes.length; page += GuestMemory.PAGE_SIZE) {
                    memory.readU8(page);
                }
            }
            return HostMappings.usage(memories);
        } finally {
            memories.forEach(GuestMemory::close);
        }
    }

    private static Path syntheticBase(Path work) throws IOException {
        byte[] random = new byte[SYNTHETIC_BASE_SIZE];
        new SplittableRandom(42).nextBytes(random);
        return Files.write(work.resolve("base.cpio.lz4"), random);
    }
}
