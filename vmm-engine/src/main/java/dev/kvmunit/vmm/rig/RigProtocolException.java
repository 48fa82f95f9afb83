package dev.kvmunit.vmm.rig;

import java.io.IOException;

/** The other end of the rig link sent something that breaks the frame format. */
public class RigProtocolException extends IOException {
    public RigProtocolException(String message) {
        super(message);
    }
}
