package dev.kvmunit.internal.vmm.image;

import java.io.IOException;

/**
 * A binary cannot be placed in the guest: it is missing, not an x86_64 ELF, or one of the
 * libraries it needs cannot be found. The message names the file and what to do.
 */
public final class ElfClosureException extends IOException {
    private static final long serialVersionUID = 1L;

    public ElfClosureException(String message) {
        super(message);
    }

    public ElfClosureException(String message, Throwable cause) {
        super(message, cause);
    }
}
