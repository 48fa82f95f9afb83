package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.Scheduler;
import dev.kvmunit.junit.VmTest;

import dev.kvmunit.internal.agent.GuestAgent;
import dev.kvmunit.internal.agent.GuestException;
import dev.kvmunit.internal.agent.Hello;
import dev.kvmunit.internal.agent.TextTranscript;
import dev.kvmunit.internal.vmm.console.ConsoleRecorder;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One test's guest from boot to power-off: the running VM, its console, and the guest init's
 * channel. Closing it always releases the VM, whatever state the guest is in.
 */
final class VmSession implements AutoCloseable {
    /**
     * Quiet kernel logging: under nested virtualization every console byte is an exit, and a
     * verbose boot costs seconds. Panics, oopses and warnings still print.
     */
    static final String GUEST_CMDLINE = "quiet";
    /** How long a powered-off guest may take to leave before it is stopped from the host. */
    private static final Duration POWER_OFF_GRACE = Duration.ofSeconds(30);
    /** How long a broken channel waits for the VM to show what happened to it. */
    private static final Duration FATE_WAIT = Duration.ofSeconds(15);

    private final ResolvedKernel kernel;
    private final ConsoleRecorder console;
    private final TextTranscript transcript;
    private final RunningVm vm;
    private final GuestAgent agent;
    private final GuestImages.TestImages images;
    private Hello hello;
    private GuestScheduler scheduler;
    private VmResult result;

    private VmSession(ResolvedKernel kernel, ConsoleRecorder console, TextTranscript transcript, RunningVm vm,
                      GuestImages.TestImages images) {
        this.kernel = kernel;
        this.images = images;
        this.console = console;
        this.transcript = transcript;
        this.vm = vm;
        this.agent = new GuestAgent(vm.fromAgent(), vm.toAgent(), transcript);
    }

    /**
     * Boots the guest and waits for the guest init's hello; fails the test if it never comes. The
     * session owns {@code images}' overlay from here on and deletes it when it closes.
     */
    static VmSession boot(VmLauncher launcher, ResolvedKernel kernel, GuestImages.TestImages images, VmTest config) {
        ConsoleRecorder console = new ConsoleRecorder();
        RunningVm vm;
        try {
            String schedulerCmdline = config.scheduler().value().isEmpty() ? "" : " " + GuestScheduler.KERNEL_CMDLINE;
            VmSpec spec = new VmSpec(kernel.image(), images.archives(),
                    (GUEST_CMDLINE + schedulerCmdline + " " + config.cmdline()).trim(), config.cpus(),
                    config.memoryMb(), Duration.ofSeconds(config.timeoutSeconds()));
            vm = launcher.start(spec, new VmListener() {
                @Override
                public void onConsole(byte[] data) {
                    console.accept(data);
                }
            });
        } catch (RuntimeException e) {
            deleteOverlay(images);
            throw e;
        }
        VmSession session = new VmSession(kernel, console, new TextTranscript(), vm, images);
        try {
            session.hello = session.agent.hello();
            return session;
        } catch (IOException e) {
            AssertionFailedError failure = session.failure("the guest init did not come up on kernel "
                    + kernel.release(), e);
            session.close();
            throw failure;
        }
    }

    /**
     * Starts the test's sched_ext scheduler and waits until it is enabled; on failure the guest
     * is released and the test fails with the scheduler's output and the console's end.
     */
    void startScheduler(ResolvedBinary binary, Scheduler config) {
        try {
            scheduler = GuestScheduler.start(agent, binary, List.of(config.args()), images.libraryPath(),
                    Duration.ofSeconds(config.enableTimeoutSeconds()), console::lastLines);
        } catch (IOException e) {
            AssertionFailedError failure = failure("starting " + binary.describe() + " failed", e);
            close();
            throw failure;
        } catch (AssertionFailedError e) {
            close();
            throw new AssertionFailedError(GuestFailures.withConsoleTail(e.getMessage(), console.lastLines()));
        }
    }

    /** The test's sched_ext scheduler, running and watched since before the test body; empty for none. */
    Optional<GuestScheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /** Null when the test has no scheduler or it is still enabled, else why the test fails. */
    String schedulerProblem() {
        if (scheduler == null) {
            return null;
        }
        try {
            scheduler.checkAtEnd();
            return null;
        } catch (AssertionFailedError e) {
            return e.getMessage();
        } catch (IOException e) {
            return failure("checking the scheduler after the test failed", e).getMessage();
        }
    }

    /** LD_LIBRARY_PATH the probes' libraries need in the guest, when they need one. */
    Optional<String> libraryPath() {
        return images.libraryPath();
    }

    Guest guest() {
        return new AgentGuest(this);
    }

    Hello hello() {
        return hello;
    }

    GuestAgent agent() {
        return agent;
    }

    String consoleText() {
        return console.text();
    }

    String transcriptText() {
        return transcript.text();
    }

    ResolvedKernel kernel() {
        return kernel;
    }

    /**
     * A test failure for a broken conversation with the guest: says what was being done, how
     * the VM ended (waiting briefly for it to finish dying) and the end of its console.
     */
    AssertionFailedError failure(String what, Exception cause) {
        if (cause instanceof GuestException refused) {
            // The guest is fine and said no (no such file, no such command): nothing to wait for.
            return new AssertionFailedError(what + ": the guest answered " + refused.getMessage(), cause);
        }
        VmResult fate = awaitExit(FATE_WAIT);
        String message = GuestFailures.describe(what + ": " + cause.getMessage(), fate);
        return new AssertionFailedError(GuestFailures.withConsoleTail(message, console.lastLines()), cause);
    }

    /**
     * Powers the guest off and waits for it to leave; returns how the VM ended. A guest that
     * ignores the request is stopped from the host.
     */
    VmResult finish() {
        if (result == null) {
            try {
                agent.powerOff();
            } catch (IOException alreadyGone) {
                // The guest ended on its own; its result below says how.
            }
            VmResult ended = awaitExit(POWER_OFF_GRACE);
            if (ended == null) {
                vm.close();
                ended = vm.awaitExit();
            }
            result = ended;
        }
        return result;
    }

    /** Failure text when the VM ended any way but a clean power-off. */
    String unexpectedEnd(VmResult ended) {
        if (ended.outcome() == VmOutcome.CLEAN_EXIT) {
            return null;
        }
        return GuestFailures.withConsoleTail(GuestFailures.describe("the guest did not end cleanly", ended),
                ended.lastConsoleLines().isEmpty() ? console.lastLines() : ended.lastConsoleLines());
    }

    private VmResult awaitExit(Duration limit) {
        CompletableFuture<VmResult> exit = CompletableFuture.supplyAsync(vm::awaitExit);
        try {
            return exit.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for the guest failed", e.getCause());
        }
    }

    @Override
    public void close() {
        try {
            agent.close();
        } catch (IOException ignored) {
            // The VM is being torn down; the channel's state no longer matters.
        } finally {
            vm.close();
            deleteOverlay(images);
        }
    }

    private static void deleteOverlay(GuestImages.TestImages images) {
        images.overlay().ifPresent(file -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A temp file left behind is not worth failing a test over; the OS cleans temp dirs.
            }
        });
    }
}
