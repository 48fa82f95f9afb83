package dev.kvmunit.internal.vmm.boot;

import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.MemoryLayout;

import java.nio.charset.StandardCharsets;

/** Writes the kernel command line, NUL-terminated, at {@link MemoryLayout#CMDLINE}. */
final class CommandLine {
    private CommandLine() {
    }

    /**
     * @return the guest-physical address of the command line
     * @throws BootException when it holds a NUL or is longer than the kernel or the buffer allow
     */
    static long write(GuestMemory memory, String cmdline, KernelImage kernel) {
        byte[] bytes = cmdline.getBytes(StandardCharsets.UTF_8);
        if (cmdline.indexOf('\0') >= 0) {
            throw new BootException("kernel command line contains a NUL character at index " + cmdline.indexOf('\0')
                    + "; the kernel would ignore everything after it");
        }
        int kernelMax = kernel.maxCommandLineLength();
        int max = Math.min(kernelMax, MemoryLayout.CMDLINE_MAX - 1);
        if (bytes.length > max) {
            String limitedBy = kernelMax <= MemoryLayout.CMDLINE_MAX - 1
                    ? "the kernel " + kernel.path() + " accepts (cmdline_size)"
                    : "kvmunit's command line buffer holds";
            throw new BootException("kernel command line is " + bytes.length + " bytes, more than the " + max
                    + " " + limitedBy + "; shorten it: " + abbreviate(cmdline));
        }
        memory.write(MemoryLayout.CMDLINE, bytes);
        memory.write8(MemoryLayout.CMDLINE + bytes.length, 0);
        return MemoryLayout.CMDLINE;
    }

    private static String abbreviate(String cmdline) {
        return cmdline.length() <= 120 ? cmdline : cmdline.substring(0, 117) + "...";
    }
}
