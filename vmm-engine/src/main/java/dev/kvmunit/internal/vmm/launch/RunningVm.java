package dev.kvmunit.internal.vmm.launch;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A guest that has been started and may still be running. Besides its console (delivered to
 * the {@link VmListener}), a guest has one raw byte channel to the host, the agent port
 * (virtio-console port {@code kvmunit.agent}), which the guest init's protocol runs over.
 */
public interface RunningVm extends AutoCloseable {
    /** Bytes the guest writes to its agent port; end of stream once the VM has exited. */
    InputStream fromAgent();

    /** Bytes for the guest's agent port; writes fail with an IOException once the VM has exited. */
    OutputStream toAgent();

    /** Blocks until the guest exits, times out or fails, and returns how it ended. */
    VmResult awaitExit();

    /** Stops the guest if it still runs, waits for it and releases everything it held. */
    @Override
    void close();
}
