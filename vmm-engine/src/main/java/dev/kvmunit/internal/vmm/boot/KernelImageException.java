package dev.kvmunit.internal.vmm.boot;

import java.nio.file.Path;

/**
 * A kernel image file is missing, unreadable, truncated, not a kernel, or a kernel for
 * another architecture. The message starts with the file and says what was expected.
 */
public final class KernelImageException extends BootException {
    public KernelImageException(Path file, String problem) {
        super("kernel image " + file + ": " + problem);
    }

    public KernelImageException(Path file, String problem, Throwable cause) {
        super("kernel image " + file + ": " + problem, cause);
    }
}
