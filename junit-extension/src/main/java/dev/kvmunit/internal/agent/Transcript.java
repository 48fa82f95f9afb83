package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.Frame;

/**
 * Sees every frame that crosses the agent channel, for attaching to test reports. Called on the
 * sending thread for frames to the guest and on the reader thread for frames from it, so
 * implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface Transcript {

    enum Direction {
        TO_GUEST,
        FROM_GUEST
    }

    Transcript NONE = (direction, frame) -> {
    };

    void onFrame(Direction direction, Frame frame);
}
