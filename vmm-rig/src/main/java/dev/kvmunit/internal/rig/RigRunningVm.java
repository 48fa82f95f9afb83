package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.launch.AgentInbox;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.sys.Uninterruptibly;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The host's view of a guest running inside L1. A dispatcher thread reads this guest's
 * frames off the link: console bytes go to the listener, agent bytes to {@link #fromAgent()},
 * and the RESULT ends it. When L1 goes silent or dies, L1 is discarded and the guest ends
 * with the L1 console tail, so a hung rig never hangs a test.
 */
final class RigRunningVm implements RunningVm {
    /** How long a stopped guest may take to report its end before L1 is killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);

    private final RigLauncher owner;
    private final L1Machine l1;
    private final int id;
    private final Duration silenceLimit;
    private final VmListener listener;
    private final long startNanos = System.nanoTime();
    private final AgentInbox fromAgent = new AgentInbox();
    private final OutputStream toAgent = new AgentOutput();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile VmResult result;

    RigRunningVm(RigLauncher owner, L1Machine l1, int id, Duration silenceLimit, VmListener listener) {
        this.owner = owner;
        this.l1 = l1;
        this.id = id;
        this.silenceLimit = silenceLimit;
        this.listener = listener;
        Thread dispatcher = new Thread(this::dispatch, "kvmunit-rig-guest-" + id);
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    private void dispatch() {
        try {
            while (result == null) {
                RigFrame frame = l1.await(id, silenceLimit, console -> listener.onConsole(console.payload()));
                switch (frame.type()) {
                    case AGENT_FROM_GUEST -> fromAgent.deliver(frame.payload());
                    case RESULT -> result = ResultMessage.decode(frame.payload());
                    case ERROR -> result = new VmResult(VmOutcome.VMM_ERROR, "L1 failed the guest: "
                            + frame.text(), List.of(), elapsed());
                    default -> throw new ProtocolException("L1 sent " + frame.type() + " while a guest ran");
                }
            }
        } catch (L1Machine.SilentException e) {
            result = owner.silenced(l1, e, elapsed());
        } catch (IOException e) {
            result = new VmResult(VmOutcome.VMM_ERROR, "rig L1 failed: " + e.getMessage(),
                    owner.discard(l1).lines().toList(), elapsed());
        } finally {
            fromAgent.end();
            ended.countDown();
            owner.guestEnded(this);
        }
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
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
        Uninterruptibly.await(ended);
        return result;
    }

    /** Asks L1 to stop the guest if it still runs; kills L1 if the guest does not end in time. */
    @Override
    public void close() {
        if (ended.getCount() > 0) {
            try {
                l1.send(new RigFrame(RigFrameType.STOP, id, new byte[0]));
                if (!ended.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    owner.discard(l1);
                }
            } catch (IOException e) {
                owner.discard(l1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                owner.discard(l1);
            }
        }
        awaitExit();
    }

    /** Agent bytes for the guest, in frames no larger than the link allows. */
    private final class AgentOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (ended.getCount() == 0) {
                throw new IOException("the guest has exited: " + result.outcome() + ": " + result.detail());
            }
            for (int at = off; at < off + len; at += FrameCodec.MAX_PAYLOAD) {
                int end = Math.min(off + len, at + FrameCodec.MAX_PAYLOAD);
                l1.send(new RigFrame(RigFrameType.AGENT_TO_GUEST, id, Arrays.copyOfRange(b, at, end)));
            }
        }
    }
}
