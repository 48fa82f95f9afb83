package dev.kvmunit.samples;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.Scheduler;
import dev.kvmunit.junit.VmTest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sched_ext schedulers under test. kvmunit starts the scheduler before the test body and has
 * it attached by then; if sched_ext drops it (an error, a stall its watchdog caught), the test
 * fails at once with the kernel's reason.
 *
 * <p>No setup: a test with a scheduler boots kvmunit's sched_ext kernel, and the scheduler is
 * found among the ones built with it; the first use on a machine builds both (about 10 minutes
 * on 2 cores, with progress output).
 */
class SchedExtTest {
    /** Counts to 20,000 in the shell, then prints whether sched_ext ran it: {@code ext.enabled : 1}. */
    private static final String CPU_BOUND = "i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done;"
            + " grep ext.enabled /proc/$$/sched";

    @VmTest(cpus = 2, scheduler = @Scheduler("scx_simple"))
    void cpuBoundWorkRunsUnderScxSimple(Guest guest) {
        assertEquals("enabled\n", guest.readString("/sys/kernel/sched_ext/state"));
        assertEquals("simple\n", guest.readString("/sys/kernel/sched_ext/root/ops"));

        String sched = guest.run("sh", "-c", CPU_BOUND).stdoutText();

        assertTrue(ranUnderSchedExt(sched), sched);
    }

    @VmTest(cpus = 4, scheduler = @Scheduler("scx_qmap"))
    void fourWorkersOnFourCpusUnderScxQmap(Guest guest) {
        assertEquals(4, guest.cpus());

        // One worker per vCPU at once; each reports on itself when done.
        String sched = guest.run("sh", "-c", "for n in 1 2 3 4; do sh -c '" + CPU_BOUND + "' & done; wait").stdoutText();

        List<String> workers = sched.lines().toList();
        assertEquals(4, workers.size(), sched);
        assertTrue(workers.stream().allMatch(SchedExtTest::ranUnderSchedExt), sched);
        assertEquals("0\n", guest.readString("/sys/kernel/sched_ext/nr_rejected"));
    }

    /**
     * One vCPU: scx_central's ops.init() fails with {@code scx_bpf_error (init from non-central
     * CPU)} unless it runs on the central CPU, and Linux 6.12.y runs ops.init() from sched_ext's
     * own helper thread, on whichever CPU that is (sched-ext/scx#3650). With one, it is CPU 0.
     */
    @VmTest(cpus = 1, scheduler = @Scheduler("scx_central"))
    void cpuBoundWorkRunsUnderScxCentral(Guest guest) {
        assertEquals("central\n", guest.readString("/sys/kernel/sched_ext/root/ops"));

        String sched = guest.run("sh", "-c", CPU_BOUND).stdoutText();

        assertTrue(ranUnderSchedExt(sched), sched);
    }

    /** The line /proc/PID/sched has for a task in the ext scheduling class: {@code ext.enabled   :   1}. */
    private static boolean ranUnderSchedExt(String schedLine) {
        return schedLine.strip().matches("ext\\.enabled\\s+:\\s+1");
    }
}
