package dev.kvmunit.internal.cli;

import dev.kvmunit.internal.kbuild.SchedExtKernel;
import dev.kvmunit.internal.rig.VmLaunchers;
import dev.kvmunit.internal.vmm.boot.KernelImage;
import dev.kvmunit.internal.vmm.image.CacheCommand;
import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.kernel.KernelCommands;
import dev.kvmunit.internal.vmm.kernel.KernelException;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code kvmunit}: boot a kernel from the command line, manage cached kernels and images.
 *
 * <p>Exit codes of {@code boot}: 0 the guest reset or powered off by itself, 2 guest panic,
 * 3 timeout, 4 VMM or KVM error; for every command 1 means the command could not run (bad
 * arguments, missing kernel, no KVM), with the reason on stderr.
 */
public final class Main {
    static final int EXIT_CANNOT_RUN = 1;
    private static final String USAGE = String.join("\n",
            "usage: kvmunit boot --kernel FILE|sched-ext [--initramfs FILE]... [--cpus N] [--memory MB] [--append ARGS]"
                    + " [--timeout S]",
            "       kvmunit kernel list",
            "       kvmunit kernel provision [VERSION-PREFIX]   (default 6.12)",
            "       kvmunit kernel build [--source DIR] [--fragment FILE]...",
            "       kvmunit cache list | clean [--older-than 7d]",
            "exit codes of boot: 0 clean guest exit, 2 panic, 3 timeout, 4 VMM error; 1 could not run");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        try {
            if (args.isEmpty()) {
                throw new UsageException(USAGE);
            }
            List<String> rest = args.subList(1, args.size());
            return switch (args.get(0)) {
                case "boot" -> boot(BootArguments.parse(rest, name -> namedKernel(name, err)), out, err);
                case "kernel" -> kernel(rest, out);
                case "cache" -> cache(rest, out, err);
                case "-h", "--help", "help" -> {
                    out.println(USAGE);
                    yield 0;
                }
                default -> throw new UsageException("unknown command " + args.get(0) + "\n" + USAGE);
            };
        } catch (UsageException | VmLaunchException | KernelException e) {
            err.println("kvmunit: " + e.getMessage());
            return EXIT_CANNOT_RUN;
        }
    }

    /** The kernels {@code --kernel} knows by name: {@value SchedExtKernel#NAME}, built on first use. */
    private static Optional<Path> namedKernel(String name, PrintStream progress) {
        return name.equals(SchedExtKernel.NAME)
                ? Optional.of(SchedExtKernel.ensureBuilt(line -> progress.println("kvmunit: " + line)).image())
                : Optional.empty();
    }

    private static int boot(VmSpec spec, PrintStream out, PrintStream err) {
        VmListener console = new VmListener() {
            @Override
            public void onConsole(byte[] data) {
                out.write(data, 0, data.length);
                out.flush();
            }
        };
        // A bad kernel is named here, in a millisecond, not after a VM (or the rig) came up.
        KernelImage.load(spec.kernel());
        try (VmLauncher launcher = VmLaunchers.forThisHost()) {
            VmResult result = launcher.run(spec, console);
            err.printf("kvmunit: %s after %.2f s: %s%n", result.outcome(), result.elapsed().toMillis() / 1000.0,
                    result.detail());
            return result.outcome().exitCode();
        }
    }

    private static int kernel(List<String> args, PrintStream out) {
        String action = args.isEmpty() ? "" : args.get(0);
        switch (action) {
            case "list" -> KernelCommands.forCurrentUser(out).listCached();
            case "provision" -> {
                KernelCommands commands = KernelCommands.forCurrentUser(out);
                if (args.size() > 1) {
                    commands.provision(args.get(1));
                } else {
                    commands.provisionDefault();
                }
            }
            case "build" -> KernelBuildCommand.run(KernelBuildCommand.parse(args.subList(1, args.size())), out);
            default -> throw new UsageException("kernel needs list, provision or build\n" + USAGE);
        }
        return 0;
    }

    private static int cache(List<String> args, PrintStream out, PrintStream err) {
        return new CacheCommand(new ImageCache(ImageCache.defaultRoot()), out, err).run(args);
    }
}
