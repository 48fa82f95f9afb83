package dev.kvmunit.internal.vmm.launch;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A guest whose end is known before it ran, e.g. because the machine that was to run it went
 * silent while it was being set up: a launcher reports that as the guest's result rather
 * than as a failure to launch.
 */
public final class EndedVm implements RunningVm {
    private final VmResult result;

    public EndedVm(VmResult result) {
        this.result = result;
    }

    @Override
    public InputStream fromAgent() {
        return InputStream.nullInputStream();
    }

    @Override
    public OutputStream toAgent() {
        return new NoAgentChannel("the guest has ended: " + result.outcome() + ": " + result.detail());
    }

    @Override
    public VmResult awaitExit() {
        return result;
    }

    @Override
    public void close() {
    }
}
