package dev.kvmunit.internal.vmm.virtio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A port listener that keeps what the guest wrote and its open/close events. */
final class RecordingPort implements ConsolePortListener {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final List<Boolean> openEvents = new ArrayList<>();

    @Override
    public synchronized void received(byte[] data) {
        received.writeBytes(data);
    }

    @Override
    public synchronized void guestOpenChanged(boolean open) {
        openEvents.add(open);
    }

    synchronized String text() {
        return received.toString(StandardCharsets.UTF_8);
    }
}
