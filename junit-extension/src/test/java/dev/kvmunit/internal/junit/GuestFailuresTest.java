package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a test's failure says when its guest ended badly. */
class GuestFailuresTest {
    private static final String HEADLINE = "Kernel panic - not syncing: sysrq triggered crash";

    @Test
    void aPanicsHeadlineIsTheFirstLineAboveWhatTheTestDidAndTheReport() {
        VmResult panic = ended(VmOutcome.PANIC, HEADLINE + "\nkvmunit-init: serving requests\n[    6.6] " + HEADLINE);
        assertEquals(HEADLINE + "\n"
                + "exec [sh] failed: the guest closed the agent channel\n"
                + "the guest ended: PANIC; the kernel's report:\n"
                + "  kvmunit-init: serving requests\n"
                + "  [    6.6] " + HEADLINE,
                GuestFailures.describe("exec [sh] failed: the guest closed the agent channel", panic));
    }

    @Test
    void otherEndsFollowWhatTheTestDid() {
        assertEquals("exec [sleep] failed\nthe guest ended: TIMEOUT: the guest did not stop within PT45S",
                GuestFailures.describe("exec [sleep] failed",
                        ended(VmOutcome.TIMEOUT, "the guest did not stop within PT45S")));
    }

    @Test
    void theConsoleTailIsIndentedUnderItsTitle() {
        assertEquals("failed\nlast guest console lines:\n  one\n  two",
                GuestFailures.withConsoleTail("failed", List.of("one", "two")));
        assertEquals("failed\n(the guest console is empty)", GuestFailures.withConsoleTail("failed", List.of()));
    }

    private static VmResult ended(VmOutcome outcome, String detail) {
        return new VmResult(outcome, detail, List.of(), Duration.ofSeconds(7));
    }
}
