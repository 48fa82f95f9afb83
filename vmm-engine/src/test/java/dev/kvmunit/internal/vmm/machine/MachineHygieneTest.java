package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.kvm.IoEventSpace;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.RequiresKvm;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many machines one after another in one JVM must leave nothing behind: no threads, no file
 * descriptors (VM, vCPU, eventfds), no mappings (kvm_run pages, guest RAM).
 */
@RequiresKvm
class MachineHygieneTest {
    private static final int WARM_UP = 20;
    private static final int GUESTS = 200;
    /** Big enough that one leaked guest RAM mapping dwarfs the slack below. */
    private static final long GUEST_MEMORY = 64L << 20;
    private static final int DONE_PORT = 0xF4;

    /**
     * Slack for what the JVM itself legitimately changes while the test runs: HotSpot starts
     * and retires JIT compiler threads on demand (UseDynamicNumberOfCompilerThreads), each
     * with its own stack mapping and guard page, and glibc may add a malloc arena (reserved
     * in 64 MiB units) the first time a new thread allocates. One leak per guest would exceed
     * every bound by two orders of magnitude, so the slack cannot hide one.
     */
    private static final int THREAD_SLACK = 4;
    private static final int FD_SLACK = 2;
    private static final int MAPPING_SLACK = 24;
    private static final long VM_SIZE_SLACK = 3 * 64L << 20;

    private record Usage(int threads, int fds, int mappings, long vmSizeBytes) {
    }

    @Test
    void twoHundredMachinesInARowReturnThreadsFdsAndMappingsToTheBaseline() {
        try (KvmSystem kvm = KvmSystem.open()) {
            for (int i = 0; i < WARM_UP; i++) {
                runOne(kvm);
            }
            Usage before = usage();
            for (int i = 0; i < GUESTS; i++) {
                runOne(kvm);
            }
            Usage after = usage();

            String report = "before " + before + ", after " + after;
            System.out.println("resource usage around " + GUESTS + " machines: " + report);
            assertTrue(after.threads() <= before.threads() + THREAD_SLACK, report);
            assertTrue(after.fds() <= before.fds() + FD_SLACK, report);
            assertTrue(after.mappings() <= before.mappings() + MAPPING_SLACK, report);
            assertTrue(after.vmSizeBytes() <= before.vmSizeBytes() + VM_SIZE_SLACK, report);
        }
    }

    /**
     * Two vCPUs (the second stays in KVM_RUN waiting for INIT, so only a kick gets it out),
     * an irqfd and an ioeventfd, guest RAM, the done guest.
     */
    private static void runOne(KvmSystem kvm) {
        try (Machine machine = Machine.create(kvm, GUEST_MEMORY, 2)) {
            machine.portIo().register(DONE_PORT, 1,
                    new OnWrite(() -> machine.requestStop(MachineStop.hostRequest("done"))));
            machine.vm().irqfd(5);
            machine.vm().ioeventfd(IoEventSpace.MMIO, 0xD000_0000L, 4);
            TinyGuest.load(machine, "done");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(Duration.ofSeconds(60));
            assertEquals(Reason.HOST_REQUEST, stop.reason(), stop.detail());
        }
    }

    private static Usage usage() {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            int fds;
            try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
                fds = (int) entries.count();
            }
            int mappings = Files.readAllLines(Path.of("/proc/self/maps")).size();
            return new Usage((int) statusField(status, "Threads:"), fds, mappings,
                    statusField(status, "VmSize:") * 1024);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number in a /proc/self/status line such as "VmSize:  123456 kB". */
    private static long statusField(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name)).findFirst()
                .map(l -> Long.parseLong(l.substring(name.length()).trim().split("\\s+")[0]))
                .orElseThrow(() -> new IllegalStateException("/proc/self/status has no " + name));
    }
}
