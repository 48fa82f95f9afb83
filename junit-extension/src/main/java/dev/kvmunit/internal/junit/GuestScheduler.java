package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.internal.agent.GuestAgent;
import dev.kvmunit.internal.agent.GuestException;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A sched_ext scheduler running in the guest for the whole test. It is started as a command of
 * its own that the host does not wait for, so its output streams back while the test runs.
 *
 * <p>Attached means: {@code /sys/kernel/sched_ext/state} reads {@code enabled}, {@code root/ops}
 * names the scheduler sched_ext runs, and {@code enable_seq} moved past its value from before
 * the start (it counts every enable, so a scheduler that was enabled before cannot pass for this
 * one). From then on it is watched: when its process ends, or a guest-side watch sees the state
 * leave {@code enabled} (sched_ext drops a scheduler that stalls tasks or calls
 * {@code scx_bpf_error}), it has {@linkplain #stopped() stopped}, and its {@linkplain #failure()
 * failure} is composed: the kernel's exit reason first, then its output and the console's end,
 * with sched_ext's debug dump kept for the report.
 */
final class GuestScheduler {
    static final String STATE_FILE = "/sys/kernel/sched_ext/state";
    static final String ENABLE_SEQ_FILE = "/sys/kernel/sched_ext/enable_seq";
    /** Exists only while a scheduler is loaded; names its sched_ext_ops. */
    static final String OPS_FILE = "/sys/kernel/sched_ext/root/ops";
    static final String TRACE_FILE = "/sys/kernel/tracing/trace";
    static final String ENABLED = "enabled";
    private static final int ENOENT = 2;
    /**
     * For the guest's kernel command line: sched_ext writes its debug dump to the
     * sched_ext_dump trace event, which is off unless enabled, and enabling it at boot costs no
     * round trip. The guest init mounts tracefs, where the dump is then read.
     */
    static final String KERNEL_CMDLINE = "trace_event=sched_ext:sched_ext_dump";
    /** The report attachment holding sched_ext's debug dump. */
    static final String DUMP_ATTACHMENT = "sched-ext-dump.txt";
    /**
     * Runs in the guest beside the test and ends, printing the state, once sched_ext is no longer
     * enabled. Shell builtins but for sleep, so watching costs the guest next to nothing.
     */
    static final String WATCH_SCRIPT = "while read -r state < " + STATE_FILE
            + " && [ \"$state\" = " + ENABLED + " ]; do sleep 0.2; done; echo \"$state\"";
    /** Between reads of the state file: attaching takes about a second under emulation. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /**
     * After sched_ext drops a scheduler, how long it may take to notice (the sample schedulers
     * look once a second), print the kernel's reason and exit, before it is described as it is.
     */
    static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private final ResolvedBinary binary;
    private final GuestAgent agent;
    private final Supplier<List<String>> consoleLines;
    private final SchedulerOutput output = new SchedulerOutput();
    private final CompletableFuture<ExecResult> running;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private volatile List<String> dump = List.of();
    /** Set once the test is over: what happens to the scheduler after that is not the test's. */
    private volatile boolean ended;
    private String opsName;

    private GuestScheduler(ResolvedBinary binary, GuestAgent agent, ExecRequest request,
                           Supplier<List<String>> consoleLines) {
        this.binary = binary;
        this.agent = agent;
        this.consoleLines = consoleLines;
        this.running = agent.execAsync(request, ExecListener.lines((stream, line) -> output.add(line)));
    }

    /**
     * Starts the scheduler, waits until it is attached, and starts watching it.
     *
     * @param libraryPath   LD_LIBRARY_PATH for the scheduler (of the binary layer), if it needs one
     * @param enableTimeout how long the scheduler may take to attach
     * @param consoleLines  the guest console's last lines, for the failure message of a stop
     * @throws AssertionFailedError when it exits first or is not attached in time, with its output
     * @throws IOException          when the channel to the guest fails
     */
    static GuestScheduler start(GuestAgent agent, ResolvedBinary binary, List<String> args, Optional<String> libraryPath,
                                Duration enableTimeout, Supplier<List<String>> consoleLines) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(binary.path().toString());
        argv.addAll(args);
        ExecRequest request = ExecRequest.of(argv.toArray(String[]::new));
        if (libraryPath.isPresent()) {
            request = request.withEnv("LD_LIBRARY_PATH", libraryPath.get());
        }
        long enablesBefore = enableSeq(agent);
        GuestScheduler scheduler = new GuestScheduler(binary, agent, request, consoleLines);
        scheduler.awaitAttached(enableTimeout, enablesBefore);
        scheduler.watch();
        return scheduler;
    }

    private void awaitAttached(Duration timeout, long enablesBefore) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (running.isDone()) {
                throw new AssertionFailedError(explain("before sched_ext enabled it"));
            }
            String state = read(STATE_FILE).orElse("(missing)");
            String notYet = STATE_FILE + " reads '" + state + "'";
            if (state.equals(ENABLED)) {
                Optional<String> ops = read(OPS_FILE).filter(name -> !name.isEmpty());
                long enables = enableSeq(agent);
                if (ops.isPresent() && enables > enablesBefore) {
                    opsName = ops.get();
                    return;
                }
                notYet += ops.isEmpty() ? " but " + OPS_FILE + " names no scheduler"
                        : " but " + ENABLE_SEQ_FILE + " stayed at " + enables + ": sched_ext runs '" + ops.get()
                        + "', enabled before this scheduler started";
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionFailedError(binary.describe() + " was not enabled within " + timeout.toSeconds()
                        + " s: " + notYet + outputSoFar(output.tail()));
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted while waiting for " + binary.describe() + " to be enabled");
            }
        }
    }

    /**
     * The scheduler's end and the guest-side watch both signal a stop. A channel that fails
     * (the guest died, or powered off after the test) is not the scheduler's doing, nor is a
     * watch that was killed.
     */
    private void watch() {
        running.whenComplete((result, error) -> {
            if (error == null) {
                stop();
            }
        });
        agent.execAsync(ExecRequest.of("sh", "-c", WATCH_SCRIPT), null).whenComplete((result, error) -> {
            if (error == null && result.signal() == 0) {
                stop();
            }
        });
    }

    private void stop() {
        if (ended || !stopped.complete(null)) {
            return;
        }
        // Completions arrive on the agent's reader thread, which must not wait for the guest.
        Thread explainer = new Thread(() -> failure.complete(
                GuestFailures.withConsoleTail(explain("during the test"), consoleLines.get())),
                "kvmunit-scheduler-failure");
        explainer.setDaemon(true);
        explainer.start();
    }

    /** Completes as soon as the scheduler is no longer in charge; never while it is. */
    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** The test's failure message once the scheduler {@linkplain #stopped() stopped}. */
    CompletableFuture<String> failure() {
        return failure;
    }

    /** Fails at once, with the scheduler's failure, when it has stopped; else returns. */
    void failIfStopped() {
        if (!stopped.isDone()) {
            return;
        }
        String message;
        try {
            message = failure.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted while describing how " + binary.describe() + " stopped");
        } catch (ExecutionException e) {
            throw new IllegalStateException("describing how " + binary.describe() + " stopped failed", e.getCause());
        }
        throw new AssertionFailedError(message);
    }

    /**
     * The last look, when the test is over: fails if the scheduler stopped, or if sched_ext no
     * longer has it enabled and the watch has not told yet. Later changes are not the test's.
     */
    void checkAtEnd() throws IOException {
        if (!stopped.isDone() && !read(STATE_FILE).orElse("").equals(ENABLED)) {
            stop();
        }
        ended = true;
        failIfStopped();
    }

    /** sched_ext's debug dump, once the scheduler stopped and the kernel wrote one. */
    List<String> dump() {
        return dump;
    }

    /**
     * What happened to the scheduler, for the test's failure: waits a little for its process to
     * end (it prints the kernel's reason on its way out), then gathers the kernel's reason, the
     * state, the dump and the output. Reads of the guest that fail leave their part out: the VM's
     * own end explains a guest that died.
     */
    private String explain(String when) {
        ExecResult exit = awaitExit();
        String state;
        try {
            state = read(STATE_FILE).orElse("(missing)");
        } catch (IOException e) {
            state = "(unreadable: " + e.getMessage() + ")";
        }
        List<String> traced = List.of();
        try {
            traced = SchedExtReports.traceDump(read(TRACE_FILE).orElse(""));
        } catch (IOException e) {
            // No trace: the scheduler's own copy of the dump, if it printed one, is used instead.
        }
        dump = !traced.isEmpty() ? traced : output.dump();
        List<String> tail = output.tail();
        Optional<String> reason = SchedExtReports.kernelReason(agent.kernelLog())
                .or(() -> SchedExtReports.reportedReason(tail));
        return message(binary, opsName, when, reason, exit, state, tail, dump.size());
    }

    private ExecResult awaitExit() {
        try {
            return running.get(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /**
     * The failure message: the kernel's reason first when there is one, then what became of the
     * process and the state, then its last output and where the dump went.
     *
     * @param opsName what sched_ext called it once attached, null before
     * @param exit    how the process ended, null if it has not
     */
    static String message(ResolvedBinary binary, String opsName, String when, Optional<String> reason,
                          ExecResult exit, String state, List<String> output, int dumpLines) {
        String how = exit == null ? "is still running"
                : exit.signal() != 0 ? "was killed by signal " + exit.signal()
                : "exited with status " + exit.exitCode();
        StringBuilder message = new StringBuilder();
        if (reason.isPresent()) {
            message.append(reason.get()).append(": sched_ext disabled ").append(binary.describe()).append(' ')
                    .append(when).append("\nthe scheduler ").append(how);
        } else if (exit != null) {
            message.append(binary.describe()).append(' ').append(how).append(' ').append(when);
        } else {
            message.append(binary.describe()).append(" is still running but sched_ext dropped it ").append(when)
                    .append(" without logging a reason");
        }
        message.append(reason.isPresent() ? "; " : "\n").append(STATE_FILE).append(" reads '").append(state)
                .append('\'');
        if (opsName != null) {
            message.append("; sched_ext had enabled it as '").append(opsName).append('\'');
        }
        message.append(outputSoFar(output));
        if (dumpLines > 0) {
            message.append("\nsched_ext's debug dump (").append(dumpLines).append(" lines) is attached to the test as ")
                    .append(DUMP_ATTACHMENT);
        }
        return message.toString();
    }

    private static String outputSoFar(List<String> output) {
        return output.isEmpty() ? "\nit printed nothing" : "\nits last output:\n  " + String.join("\n  ", output);
    }

    private Optional<String> read(String path) throws IOException {
        return read(agent, path);
    }

    /** A sysfs or tracefs file's text, stripped; empty when the guest has no such file. */
    private static Optional<String> read(GuestAgent agent, String path) throws IOException {
        try {
            return Optional.of(new String(agent.readFile(path), StandardCharsets.UTF_8).strip());
        } catch (GuestException refused) {
            if (refused.errno() == ENOENT) {
                return Optional.empty();
            }
            throw refused;
        }
    }

    private static long enableSeq(GuestAgent agent) throws IOException {
        String value = read(agent, ENABLE_SEQ_FILE).orElse("0");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IOException(ENABLE_SEQ_FILE + " reads '" + value + "', not a number", e);
        }
    }
}
