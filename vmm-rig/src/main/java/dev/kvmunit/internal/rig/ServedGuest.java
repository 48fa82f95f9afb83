package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmResult;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;

/**
 * A guest running inside L1 on behalf of the host (the L1 side of a BOOT): its agent output
 * goes up the link as AGENT_FROM_GUEST frames, agent input from the host is written on a
 * thread of its own so a guest that does not drain its port never blocks the server's
 * reader, and when the guest ends the RESULT is sent after every agent byte.
 */
final class ServedGuest {
    private static final int AGENT_CHUNK = 64 * 1024;

    private final int id;
    private final RunningVm vm;
    private final RigLink link;
    private final Runnable onEnd;
    private final ExecutorService toGuest;

    ServedGuest(int id, RunningVm vm, RigLink link, Runnable onEnd) {
        this.id = id;
        this.vm = vm;
        this.link = link;
        this.onEnd = onEnd;
        this.toGuest = Executors.newSingleThreadExecutor(r -> daemon(r, "kvmunit-rig-agent-in-" + id));
    }

    void start() {
        Thread pump = daemon(this::pumpAgentOutput, "kvmunit-rig-agent-out-" + id);
        pump.start();
        daemon(() -> reportEnd(pump), "kvmunit-rig-guest-" + id).start();
    }

    /** Queues bytes for the guest's agent port; dropped once the guest has ended. */
    void sendToGuest(byte[] data) {
        try {
            toGuest.execute(() -> {
                try {
                    vm.toAgent().write(data);
                } catch (IOException guestGone) {
                    // The guest ended or stopped reading; its RESULT tells the host why.
                }
            });
        } catch (RejectedExecutionException guestEnded) {
            // Bytes that cross the guest's end are dropped: the server must keep serving.
        }
    }

    /** Stops the guest early, without blocking the caller; the RESULT follows as usual. */
    void stop() {
        daemon(vm::close, "kvmunit-rig-stop-" + id).start();
    }

    private void pumpAgentOutput() {
        byte[] buffer = new byte[AGENT_CHUNK];
        try {
            InputStream in = vm.fromAgent();
            for (int n; (n = in.read(buffer)) > 0; ) {
                link.send(new RigFrame(RigFrameType.AGENT_FROM_GUEST, id, Arrays.copyOf(buffer, n)));
            }
        } catch (IOException e) {
            // The link or the agent port broke; the guest's end is still reported below.
        }
    }

    private void reportEnd(Thread pump) {
        VmResult result = vm.awaitExit();
        try {
            pump.join();
            link.send(new RigFrame(RigFrameType.RESULT, id, ResultMessage.encode(result)));
        } catch (IOException e) {
            // The host is gone; nothing left to tell.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            toGuest.shutdownNow();
            vm.close();
            onEnd.run();
        }
    }

    private static Thread daemon(Runnable work, String name) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }
}
