package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The JUnit contract of {@link VmTest} as JUnit itself reports it: fixture classes run through
 * Jupiter with the {@link EngineTestKit}, over real guests, and the events (results, failure
 * messages, published files, skips) are checked.
 *
 * <p>The fixtures are static nested classes that only a {@link FixtureRun} runs. All guest
 * fixtures go through one engine run: the nested rig's L1 machine lives as long as one run's
 * root context, and booting it is the most expensive part.
 */
class VmTestContractTest {
    private static final String NO_KVM = "/dev/kvm does not exist (contract fixture)";
    private static final String PANIC_HEADLINE = "Kernel panic - not syncing: sysrq triggered crash";
    private static final int TIMEOUT_SECONDS = 45;
    private static final String TIMEOUT_MARKER = "contract: sleeping past the timeout";

    @TempDir
    static Path reports;
    private static EngineExecutionResults guests;

    /**
     * The guest fixtures' one engine run, made by the first test that needs it. Where no guest
     * can boot, @VmTest skips (outside CI), and so do the tests that need guests.
     */
    private static synchronized EngineExecutionResults guests() {
        if (guests == null) {
            guests = run(Passing.class, FailingRun.class, Panicking.class, TimingOut.class);
        }
        Optional<String> skipped = guests.testEvents().skipped().stream()
                .map(event -> event.getRequiredPayload(String.class)).findFirst();
        assumeTrue(skipped.isEmpty(), () -> "guest fixtures were skipped: " + skipped.orElseThrow());
        return guests;
    }

    @Test
    void everyGuestFixtureRanOnceAndOnlyThePassingOneSucceeded() {
        guests().testEvents()
                .assertStatistics(stats -> stats.skipped(0).started(4).succeeded(1).failed(3).aborted(0));
        guests().containerEvents().assertStatistics(stats -> stats.failed(0));
    }

    @Test
    void passingTestPublishesItsConsoleAndTranscript() throws IOException {
        assertEquals(TestExecutionResult.Status.SUCCESSFUL, FixtureRun.finished(guests(), Passing.class).getStatus());
        Map<String, String> files = publishedFiles(Passing.class);
        assertEquals(List.of("agent-transcript.txt", "guest-console.txt"), List.copyOf(files.keySet()));
        String console = files.get("guest-console.txt");
        assertTrue(console.startsWith("---- kvmunit guest console: kernel "), console);
        assertTrue(console.contains(Passing.CONSOLE_LINE), console);
        String transcript = files.get("agent-transcript.txt");
        assertTrue(transcript.contains(Passing.STDOUT), transcript);
    }

    @Test
    void failingRunNamesTheCommandItsStatusAndStderr() throws IOException {
        String message = failureMessage(FailingRun.class);
        assertTrue(message.startsWith("guest command sh -c " + FailingRun.SCRIPT + " exited with status 3"), message);
        assertTrue(message.contains("stderr:\n" + FailingRun.STDERR), message);
        // A failed test still gets its guest's files.
        Map<String, String> files = publishedFiles(FailingRun.class);
        assertEquals(List.of("agent-transcript.txt", "guest-console.txt"), List.copyOf(files.keySet()));
        assertTrue(files.get("agent-transcript.txt").contains(FailingRun.STDERR), files.get("agent-transcript.txt"));
    }

    @Test
    void panicFailsWithTheHeadlineFirstAndTheKernelsReport() throws IOException {
        String message = failureMessage(Panicking.class);
        assertEquals(PANIC_HEADLINE, message.lines().findFirst().orElseThrow(), message);
        assertTrue(message.contains("exec [sh, -c, " + Panicking.SCRIPT + "] failed"), message);
        assertTrue(message.contains("the guest ended: PANIC"), message);
        // The kernel's report, with the line it printed before the headline.
        assertTrue(message.contains("sysrq: Trigger a crash"), message);
        assertTrue(publishedFiles(Panicking.class).get("guest-console.txt").contains(PANIC_HEADLINE));
    }

    @Test
    void timeoutFailsNamingTheLimitWithTheLastConsoleLines() throws IOException {
        String message = failureMessage(TimingOut.class);
        assertTrue(message.startsWith("exec [sh, -c, " + TimingOut.SCRIPT + "] failed"), message);
        assertTrue(message.contains("the guest ended: TIMEOUT"), message);
        assertTrue(message.contains("PT" + TIMEOUT_SECONDS + "S"), message);
        int tail = message.indexOf("last guest console lines:");
        assertTrue(tail > 0 && message.indexOf(TIMEOUT_MARKER, tail) > tail, message);
        assertTrue(publishedFiles(TimingOut.class).get("guest-console.txt").contains(TIMEOUT_MARKER));
    }

    @Test
    void withoutKvmAndWithoutCiTheTestIsSkippedWithTheReason() {
        EngineExecutionResults results = run(WithoutKvmOrCi.class);
        results.testEvents().assertStatistics(stats -> stats.skipped(1).started(0));
        String reason = results.testEvents().skipped().stream().findFirst().orElseThrow()
                .getRequiredPayload(String.class);
        assertTrue(reason.contains(NO_KVM), reason);
    }

    /** The one place that builds an extension for a host without KVM and outside CI. */
    static VmTestExtension extensionWithoutKvmOrCi() {
        return new VmTestExtension(() -> Optional.of(NO_KVM), name -> null);
    }

    private static EngineExecutionResults run(Class<?>... fixtures) {
        return FixtureRun.execute(reports, fixtures);
    }

    private static String failureMessage(Class<?> fixture) {
        return FixtureRun.failure(guests(), fixture).getMessage();
    }

    private static Map<String, String> publishedFiles(Class<?> fixture) throws IOException {
        return FixtureRun.publishedFiles(guests(), fixture);
    }

    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class Passing {
        static final String STDOUT = "contract: the command ran";
        static final String CONSOLE_LINE = "contract: the guest wrote to its console";

        @VmTest
        void runsACommand(Guest guest) {
            String out = guest.run("sh", "-c", "echo '" + STDOUT + "'; echo '" + CONSOLE_LINE + "' > /dev/console")
                    .stdoutText();
            assertEquals(STDOUT + "\n", out);
        }
    }

    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class FailingRun {
        static final String STDERR = "contract: disk on fire";
        static final String SCRIPT = "echo '" + STDERR + "' >&2; exit 3";

        @VmTest
        void runsACommandThatFails(Guest guest) {
            guest.run("sh", "-c", SCRIPT);
        }
    }

    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class Panicking {
        static final String SCRIPT = "echo c > /proc/sysrq-trigger";

        @VmTest
        void crashesTheKernel(Guest guest) {
            guest.exec("sh", "-c", SCRIPT);
            fail("the guest survived a sysrq crash");
        }
    }

    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class TimingOut {
        static final String SCRIPT = "echo '" + TIMEOUT_MARKER + "' > /dev/console; sleep 600";

        @VmTest(timeoutSeconds = TIMEOUT_SECONDS)
        void sleepsPastTheTimeout(Guest guest) {
            guest.exec("sh", "-c", SCRIPT);
            fail("the guest outlived its timeout");
        }
    }

    @ExtendWith(FixtureRun.OnlyInAFixtureRun.class)
    static class WithoutKvmOrCi {
        @RegisterExtension
        static final VmTestExtension EXTENSION = extensionWithoutKvmOrCi();

        @VmTest
        void wouldNeedAGuest(Guest guest) {
            fail("ran although the host has no KVM and this is not CI");
        }
    }
}
