package dev.kvmunit.internal.cli;

import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Parses {@code kvmunit boot --kernel K --initramfs F [--cpus N] [--memory MB] [--append ARGS]
 * [--timeout S]} into a {@link VmSpec}. {@code --initramfs} may be repeated: the parts are
 * concatenated in order, as the kernel allows.
 */
final class BootArguments {
    static final String USAGE = String.join("\n",
            "usage: kvmunit boot --kernel FILE|sched-ext [--initramfs FILE]... [--cpus N] [--memory MB]",
            "                    [--append ARGS] [--timeout SECONDS]",
            "  --kernel     bzImage or ELF vmlinux to boot; sched-ext: kvmunit's sched_ext kernel (built on first use)",
            "  --initramfs  cpio archive (plain or compressed); repeat to concatenate",
            "  --cpus       number of vCPUs (default 1)",
            "  --memory     guest RAM in MiB (default 256)",
            "  --append     extra kernel command-line arguments",
            "  --timeout    wall-clock limit in seconds (default 60)");

    private BootArguments() {
    }

    /** @param namedKernels the image of a kernel that --kernel names rather than gives as a file, if it is one */
    static VmSpec parse(List<String> args, Function<String, Optional<Path>> namedKernels) {
        Path kernel = null;
        List<Path> initramfs = new ArrayList<>();
        int cpus = 1;
        int memoryMb = 256;
        String append = "";
        Duration timeout = Duration.ofSeconds(60);
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new UsageException(USAGE);
            }
            if (i + 1 >= args.size()) {
                throw new UsageException("missing value after " + flag + "\n" + USAGE);
            }
            String value = args.get(++i);
            switch (flag) {
                case "--kernel" -> kernel = namedKernels.apply(value).orElseGet(() -> existingFile(flag, value));
                case "--initramfs" -> initramfs.add(existingFile(flag, value));
                case "--cpus" -> cpus = positiveInt(flag, value);
                case "--memory" -> memoryMb = positiveInt(flag, value);
                case "--append" -> append = value;
                case "--timeout" -> timeout = Duration.ofSeconds(positiveInt(flag, value));
                default -> throw new UsageException("unknown option " + flag + "\n" + USAGE);
            }
        }
        if (kernel == null) {
            throw new UsageException("--kernel is required\n" + USAGE);
        }
        try {
            return new VmSpec(kernel, initramfs, append, cpus, memoryMb, timeout);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Path existingFile(String flag, String value) {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new UsageException(flag + " " + value + ": no such file");
        }
        return p;
    }

    private static int positiveInt(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the flag's name
        }
        throw new UsageException(flag + " needs a positive whole number, got '" + value + "'");
    }
}
