package dev.kvmunit.internal.vmm.console;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestConsoleTest {
    private final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
    private final GuestConsole console = new GuestConsole(forwarded::writeBytes);

    private void print(String text) {
        console.accept(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void forwardsEveryByteAndKeepsTheLastLines() {
        print("[    0.1] booting\n[    0.2] Run /init as init");
        assertEquals("[    0.1] booting\n[    0.2] Run /init as init", forwarded.toString(StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), console.end());
        assertEquals("[    0.2] Run /init as init", console.lastLines().get(console.lastLines().size() - 1));
    }

    @Test
    void aPanicCutShortByTheResetIsReportedWhenTheConsoleEnds() {
        // panic=-1 resets before the kernel prints its end marker.
        print("[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n");
        print("[    1.0] CPU: 0 UID: 0 PID: 1 Comm: swapper/0\n");
        KernelCrash panic = console.end().orElseThrow();
        assertEquals(KernelCrash.Kind.PANIC, panic.kind());
        assertTrue(panic.text().contains("Unable to mount root fs"), panic.text());
    }

    @Test
    void aPanicsSummaryLeadsWithTheHeadlineThenTheReportWithWhatCameBefore() {
        print("kvmunit-init: serving requests\n");
        print("[    6.5] sysrq: Trigger a crash\n");
        print("[    6.6] Kernel panic - not syncing: sysrq triggered crash\n");
        print("[    6.7] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\n");
        assertEquals("""
                Kernel panic - not syncing: sysrq triggered crash
                kvmunit-init: serving requests
                [    6.5] sysrq: Trigger a crash
                [    6.6] Kernel panic - not syncing: sysrq triggered crash
                [    6.7] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---""",
                console.end().orElseThrow().summary());
    }

    @Test
    void anOopsAloneIsNoPanic() {
        print("[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n");
        print("[    2.0] Oops: 0000 [#1] PREEMPT SMP\n");
        print("[    2.1] ---[ end trace 0000000000000000 ]---\n");
        assertEquals(Optional.empty(), console.end());
    }
}
