package dev.kvmunit.internal.cli;

import dev.kvmunit.internal.kbuild.BuiltKernel;
import dev.kvmunit.internal.kbuild.DebianKernelSource;
import dev.kvmunit.internal.kbuild.Fragment;
import dev.kvmunit.internal.kbuild.KernelBuild;
import dev.kvmunit.internal.kbuild.KernelBuildCache;
import dev.kvmunit.internal.kbuild.KernelSource;
import dev.kvmunit.internal.kbuild.KernelSourceTree;
import dev.kvmunit.internal.vmm.kernel.Apt;
import dev.kvmunit.internal.vmm.kernel.CommandRunner;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kvmunit kernel build [--source DIR] [--fragment FILE]...}: builds a guest kernel and its
 * sched_ext schedulers into the kernel build cache, from Debian's linux-source-6.12 or the tree
 * given, with kvmunit's fragment and then each given fragment applied.
 */
final class KernelBuildCommand {
    static final String USAGE = String.join("\n",
            "usage: kvmunit kernel build [--source DIR] [--fragment FILE]...",
            "  --source    a Linux 6.12+ source tree, never configured in place (default: Debian's "
                    + DebianKernelSource.PACKAGE + ", fetched with apt-get download)",
            "  --fragment  a kconfig fragment applied after kvmunit's own; repeat for more, later ones win");

    /** What the command line asked for. */
    record Arguments(Optional<Path> source, List<Path> fragments) {
        Arguments {
            fragments = List.copyOf(fragments);
        }
    }

    private KernelBuildCommand() {
    }

    static Arguments parse(List<String> args) {
        Optional<Path> source = Optional.empty();
        List<Path> fragments = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new UsageException(USAGE);
            }
            if (!flag.equals("--source") && !flag.equals("--fragment")) {
                throw new UsageException("unknown option " + flag + " of kernel build\n" + USAGE);
            }
            if (i + 1 >= args.size() || args.get(i + 1).isEmpty()) {
                throw new UsageException("missing value after " + flag + "\n" + USAGE);
            }
            Path value = Path.of(args.get(++i));
            if (flag.equals("--fragment")) {
                fragments.add(value);
            } else if (source.isPresent()) {
                throw new UsageException("--source given twice (" + source.get() + ", " + value + "); a build has one source");
            } else {
                source = Optional.of(value);
            }
        }
        return new Arguments(source, fragments);
    }

    /** Builds (or finds in the cache) and reports on out; failures are KernelExceptions. */
    static BuiltKernel run(Arguments arguments, PrintStream out) {
        CommandRunner commands = CommandRunner.processes();
        List<Fragment> fragments = new ArrayList<>(List.of(Fragment.builtin()));
        arguments.fragments().forEach(file -> fragments.add(Fragment.read(file)));
        KernelSource source = arguments.source().isPresent()
                ? KernelSourceTree.open(arguments.source().get(), commands)
                : DebianKernelSource.candidate(new Apt(commands, "give a kernel tree with --source DIR"));
        return new KernelBuild(KernelBuildCache.forCurrentUser(), commands, out::println).build(source, fragments);
    }
}
