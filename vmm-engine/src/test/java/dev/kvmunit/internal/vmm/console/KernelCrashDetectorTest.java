package dev.kvmunit.internal.vmm.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Feeds console text shaped like what Linux 6.12 prints and checks what gets reported. */
class KernelCrashDetectorTest {
    private final List<KernelCrash> crashes = new ArrayList<>();
    private final ConsoleRecorder console = new ConsoleRecorder();

    KernelCrashDetectorTest() {
        console.addListener(new KernelCrashDetector(crashes::add));
    }

    private void print(String... lines) {
        for (String line : lines) {
            console.accept((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void panicIsReportedWithContextUpToTheEndMarker() {
        print("[    0.912345] Freeing unused kernel image memory: 2048K",
                "[    0.913000] Run /init as init process",
                "[    0.914000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
                "[    0.914100] CPU: 0 UID: 0 PID: 1 Comm: init Not tainted 6.12.0 #1",
                "[    0.914200] Call Trace:",
                "[    0.914300]  <TASK>",
                "[    0.914400]  panic+0x10/0x20",
                "[    0.914500] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100 ]---");
        assertEquals(1, crashes.size());
        KernelCrash crash = crashes.get(0);
        assertEquals(KernelCrash.Kind.PANIC, crash.kind());
        assertEquals("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", crash.headline());
        assertEquals(8, crash.lines().size(), crash.text());
        assertTrue(crash.lines().get(0).contains("Freeing unused kernel image memory"));
        assertTrue(crash.lines().get(7).contains("---[ end Kernel panic"));
    }

    @Test
    void oopsFromBugLineThroughOopsLineIsOneReport() {
        print("[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "[    5.000001] #PF: supervisor read access in kernel mode",
                "[    5.000002] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI", // 6.12: "Oops: " + die string
                "[    5.000003] RIP: 0010:some_function+0x12/0x40",
                "[    5.000004] ---[ end trace 0000000000000000 ]---",
                "[    5.000005] note: insmod[77] exited with irqs disabled",
                "[    5.000100] Kernel panic - not syncing: Fatal exception",
                "[    5.000200] ---[ end Kernel panic - not syncing: Fatal exception ]---");
        assertEquals(2, crashes.size());
        assertEquals(KernelCrash.Kind.OOPS, crashes.get(0).kind());
        assertEquals("BUG: kernel NULL pointer dereference, address: 0000000000000008", crashes.get(0).headline());
        assertEquals(5, crashes.get(0).lines().size());
        assertEquals(KernelCrash.Kind.PANIC, crashes.get(1).kind());
        assertTrue(crashes.get(1).lines().contains("[    5.000003] RIP: 0010:some_function+0x12/0x40"),
                "the panic carries the oops lines before it as context");
    }

    @Test
    void kernelBugAtStartsAnOops() {
        print("------------[ cut here ]------------",
                "kernel BUG at mm/slub.c:123!",
                "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
                "---[ end trace 0000000000000000 ]---");
        assertEquals(1, crashes.size());
        assertEquals(KernelCrash.Kind.OOPS, crashes.get(0).kind());
        assertEquals("kernel BUG at mm/slub.c:123!", crashes.get(0).headline());
    }

    @Test
    void otherBugReportsAreDeliveredWhenTheConsoleEnds() {
        print("[   30.1] [    T9] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
                "[   30.2] [    T9] in_atomic(): 1, irqs_disabled(): 0");
        assertEquals(0, crashes.size(), "no end marker yet");
        console.end();
        assertEquals(1, crashes.size());
        assertEquals(KernelCrash.Kind.BUG, crashes.get(0).kind());
        assertTrue(crashes.get(0).headline().startsWith("BUG: sleeping function"), crashes.get(0).headline());
    }

    @Test
    void unterminatedPanicWithoutNewlineIsStillReportedAtEnd() {
        console.accept("Kernel panic - not syncing: VFS: Unable to mount root fs".getBytes(StandardCharsets.US_ASCII));
        console.end();
        assertEquals(1, crashes.size());
        assertEquals(KernelCrash.Kind.PANIC, crashes.get(0).kind());
    }

    @Test
    void userSpaceMentioningAPanicMidLineIsIgnored() {
        print("grep found: Kernel panic - not syncing in the log",
                "test says BUG: none",
                "[    1.0] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 foo+0x1/0x2",
                "[    1.1] ---[ end trace 0000000000000000 ]---");
        console.end();
        assertEquals(List.of(), crashes);
    }

    @Test
    void aFloodAfterTheHeadlineIsCappedAndReportedPromptly() {
        print("Kernel panic - not syncing: stuck");
        for (int i = 0; i < KernelCrashDetector.MAX_REPORT_LINES * 2; i++) {
            print("[<ffffffff81000000>] frame " + i);
        }
        assertEquals(1, crashes.size());
        assertEquals(KernelCrashDetector.MAX_REPORT_LINES, crashes.get(0).lines().size());
        console.end();
        assertEquals(1, crashes.size(), "nothing more to report");
    }
}
