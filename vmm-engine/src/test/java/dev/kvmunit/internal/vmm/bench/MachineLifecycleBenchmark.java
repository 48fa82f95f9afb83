package dev.kvmunit.internal.vmm.bench;

import dev.kvmunit.internal.vmm.devices.IoDevice;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.machine.Machine;
import dev.kvmunit.internal.vmm.machine.MachineStop;
import dev.kvmunit.internal.vmm.machine.TinyGuest;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The fixed cost of one VM, without a kernel: create it and map its memory, run a guest to its
 * first exit, tear it down. Each phase is timed separately over many rounds and reported as
 * median and 90th percentile. A benchmark, not a test: it asserts nothing about timings.
 *
 * <p>Run from the repository root (after a test-compile, which assembles the guest):
 * <pre>
 * mvn -B -q -pl vmm-engine test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kvmunit.internal.vmm.bench.MachineLifecycleBenchmark -Dexec.arguments=256,100
 * </pre>
 * Arguments: guest memory in MiB (default 256), rounds (default 100, at least 50). Pass them
 * as {@code exec.arguments}: {@code exec.args} would also replace the arguments of the build's
 * guest-assembling exec step.
 */
public final class MachineLifecycleBenchmark {
    private static final int DONE_PORT = 0xF4;
    private static final int WARM_UP_ROUNDS = 10;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(30);

    private MachineLifecycleBenchmark() {
    }

    public static void main(String[] args) {
        long memoryMib = args.length > 0 ? Long.parseLong(args[0]) : 256;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        if (rounds < 50) {
            throw new IllegalArgumentException("use at least 50 rounds for a stable p90, got " + rounds);
        }
        long[] create = new long[rounds];
        long[] firstExit = new long[rounds];
        long[] teardown = new long[rounds];
        try (KvmSystem kvm = KvmSystem.open()) {
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                round(kvm, memoryMib << 20, new long[1], new long[1], new long[1], 0);
            }
            for (int i = 0; i < rounds; i++) {
                round(kvm, memoryMib << 20, create, firstExit, teardown, i);
            }
        }
        System.out.printf(Locale.ROOT, "VM lifecycle, %d MiB guest RAM, 1 vCPU, %d rounds (after %d warm-up)%n",
                memoryMib, rounds, WARM_UP_ROUNDS);
        print("create VM + map memory", create);
        print("run to first exit", firstExit);
        print("teardown", teardown);
    }

    private static void round(KvmSystem kvm, long memoryBytes, long[] create, long[] firstExit, long[] teardown,
                              int i) {
        long t0 = System.nanoTime();
        Machine machine = Machine.create(kvm, memoryBytes, 1);
        long t1 = System.nanoTime();
        try {
            machine.portIo().register(DONE_PORT, 1, new IoDevice() {
                @Override
                public void read(long offset, byte[] data) {
                }

                @Override
                public void write(long offset, byte[] data) {
                    machine.requestStop(MachineStop.hostRequest("first exit"));
                }
            });
            TinyGuest.load(machine, "done");
            TinyGuest.startRealMode(machine.vcpus().get(0));
            long t2 = System.nanoTime();
            MachineStop stop = machine.run(RUN_LIMIT);
            long t3 = System.nanoTime();
            if (stop.reason() != MachineStop.Reason.HOST_REQUEST) {
                throw new IllegalStateException("the benchmark guest did not reach its exit: " + stop.detail());
            }
            create[i] = t1 - t0;
            firstExit[i] = t3 - t2;
        } finally {
            long t4 = System.nanoTime();
            machine.close();
            teardown[i] = System.nanoTime() - t4;
        }
    }

    private static void print(String phase, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%-24s median %8.3f ms   p90 %8.3f ms%n", phase,
                percentile(sorted, 50) / 1e6, percentile(sorted, 90) / 1e6);
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
