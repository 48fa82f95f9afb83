package dev.kvmunit.internal.vmm.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to boot one guest: the kernel image, the initramfs parts (concatenated
 * in order, as the kernel allows), the command line and the machine's shape.
 *
 * @param kernel     bzImage or ELF vmlinux
 * @param initramfs  archives loaded back to back; empty for none
 * @param cmdline    kernel command line; the launcher appends what the machine itself needs
 * @param cpus       number of vCPUs, at least 1
 * @param memoryMb   guest RAM in MiB
 * @param timeout    wall-clock limit from start to guest exit
 */
public record VmSpec(Path kernel, List<Path> initramfs, String cmdline, int cpus, int memoryMb, Duration timeout) {
    public VmSpec {
        Objects.requireNonNull(kernel, "kernel");
        initramfs = List.copyOf(initramfs);
        cmdline = cmdline == null ? "" : cmdline;
        if (cpus < 1 || cpus > 254) {
            throw new IllegalArgumentException("cpus must be between 1 and 254, was " + cpus);
        }
        if (memoryMb < 32) {
            throw new IllegalArgumentException("memoryMb must be at least 32, was " + memoryMb);
        }
        Objects.requireNonNull(timeout, "timeout");
    }
}
