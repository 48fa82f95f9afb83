package dev.kvmunit.internal.vmm;

import dev.kvmunit.internal.vmm.console.GuestConsole;
import dev.kvmunit.internal.vmm.launch.AgentInbox;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.machine.Machine;
import dev.kvmunit.internal.vmm.machine.MachineStop;
import dev.kvmunit.internal.vmm.virtio.ConsolePort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;

/**
 * A guest booted by {@link LocalVmLauncher}: a controller thread runs the {@link Machine}
 * until it stops; the agent port's bytes flow through an {@link AgentInbox} one way and
 * {@link ConsolePort#send} the other.
 */
final class LocalRunningVm implements RunningVm {
    /** How long a write to the agent may wait for the guest to drain the port's queue. */
    private static final Duration AGENT_SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Machine machine;
    private final VirtioAttachment virtio;
    private final GuestConsole console;
    private final ConsolePort agentPort;
    private final AgentInbox fromAgent;
    private final long startNanos;
    private final Thread controller;
    private final OutputStream toAgent = new AgentOutput();
    private volatile VmResult result;
    private boolean closed;

    LocalRunningVm(Machine machine, VirtioAttachment virtio, GuestConsole console, ConsolePort agentPort, AgentInbox fromAgent,
                   Duration timeout, long startNanos) {
        this.machine = machine;
        this.virtio = virtio;
        this.console = console;
        this.agentPort = agentPort;
        this.fromAgent = fromAgent;
        this.startNanos = startNanos;
        this.controller = new Thread(() -> runToEnd(timeout), "kvmunit-vm");
        this.controller.setDaemon(true);
        this.controller.start();
    }

    private void runToEnd(Duration timeout) {
        MachineStop stop;
        try {
            stop = machine.run(timeout);
        } catch (RuntimeException | Error e) {
            stop = new MachineStop(MachineStop.Reason.VMM_ERROR, "the VMM failed: " + e, e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        MachineStop last = stop;
        result = console.end()
                .map(panic -> new VmResult(VmOutcome.PANIC, panic.summary(), console.lastLines(), elapsed))
                .orElseGet(() -> new VmResult(LocalVmLauncher.outcomeOf(last), last.detail(), console.lastLines(),
                        elapsed));
        fromAgent.end();
    }

    @Override
    public InputStream fromAgent() {
        return fromAgent;
    }

    @Override
    public OutputStream toAgent() {
        return toAgent;
    }

    @Override
    public VmResult awaitExit() {
        boolean interrupted = false;
        while (controller.isAlive()) {
            try {
                controller.join();
            } catch (InterruptedException e) {
                interrupted = true;
                machine.requestStop(MachineStop.hostRequest("the thread waiting for the guest was interrupted"));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return result;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            machine.requestStop(MachineStop.hostRequest("the host closed the VM"));
            awaitExit();
        } finally {
            machine.close();
            virtio.join();
        }
    }

    /** Writes go to the guest's agent port, waiting while its bounded queue is full. */
    private final class AgentOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (result != null) {
                throw new IOException("the guest has exited: " + result.outcome() + ": " + result.detail());
            }
            try {
                agentPort.send(Arrays.copyOfRange(b, off, off + len), AGENT_SEND_TIMEOUT);
            } catch (TimeoutException e) {
                throw new IOException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing to the guest agent");
            }
        }
    }
}
