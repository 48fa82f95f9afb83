package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.agent.KernelLogLine;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel's words about a dropped scheduler, as a 6.12 guest wrote them (see ScheduledFailuresTest). */
class SchedExtReportsTest {
    private static KernelLogLine log(String message) {
        return new KernelLogLine(3, 18_004_643, message);
    }

    @Test
    void theKernelsReasonIsTheLastDisableWithItsMessage() {
        List<KernelLogLine> log = List.of(
                log("sched_ext: BPF scheduler \"qmap\" enabled"),
                log("sched_ext: BPF scheduler \"qmap\" disabled (scx_bpf_error)"),
                log("sched_ext: qmap: test triggering error"),
                log("   __bstr_format+0xe3/0x115"),
                log("sched_ext: BPF scheduler \"qmap\" enabled"),
                log("sched_ext: BPF scheduler \"qmap\" disabled (runnable task stall)"),
                log("sched_ext: qmap: sh[116] failed to run for 5.140s"));

        assertEquals(Optional.of("runnable task stall (sh[116] failed to run for 5.140s)"),
                SchedExtReports.kernelReason(log));
        assertEquals(Optional.of("scx_bpf_error (test triggering error)"),
                SchedExtReports.kernelReason(log.subList(0, 4)));
    }

    @Test
    void aDisableWithoutAMessageIsItsReasonAlone() {
        assertEquals(Optional.of("unregistered from user space"), SchedExtReports.kernelReason(List.of(
                log("sched_ext: BPF scheduler \"simple\" disabled (unregistered from user space)"),
                log("sched_ext: BPF scheduler \"central\" enabled"))));
        assertEquals(Optional.empty(), SchedExtReports.kernelReason(List.of(log("sched_ext: BPF scheduler \"simple\" enabled"))));
    }

    @Test
    void theSchedulersOwnReportIsItsLastExitLine() {
        assertEquals(Optional.of("scx_bpf_error (test triggering error)"), SchedExtReports.reportedReason(List.of(
                "stats  : enq=99", "EXIT: scx_bpf_error (test triggering error)", "")));
        assertEquals(Optional.empty(), SchedExtReports.reportedReason(List.of("EXIT: ", "local=1 global=2")));
    }

    @Test
    void theDumpIsTheTextOfEverySchedExtDumpEventAndNothingElse() {
        String trace = """
                # tracer: nop
                #
                # entries-in-buffer/entries-written: 119/119   #P:2
                #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
                 scx_ops_enable_-78      [000] ....1    14.830874: bpf_trace_printk: CPUS: |OO
                            init-1       [001] d.H..    18.668842: sched_ext_dump: init[1] triggered exit kind 1025:
                            init-1       [001] d.H..    18.669195: sched_ext_dump:   scx_bpf_error (test triggering error)
                            init-1       [001] d.H..    18.669236: sched_ext_dump:\s
                            init-1       [001] d.H..    18.669249: sched_ext_dump: Backtrace:
                 sched_ext_dump:-5       [000] .....    19.000000: sched_ext_dump:   scx_bpf_error_bstr+0x64/0x79
                """;

        assertEquals(List.of("init[1] triggered exit kind 1025:", "  scx_bpf_error (test triggering error)", "",
                "Backtrace:", "  scx_bpf_error_bstr+0x64/0x79"), SchedExtReports.traceDump(trace));
        assertEquals(List.of(), SchedExtReports.traceDump("# tracer: nop\n#\n"));
    }
}
