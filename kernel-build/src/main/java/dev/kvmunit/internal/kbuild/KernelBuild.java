package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.CommandRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One kernel build request, from a source and fragments to a {@link BuiltKernel}: checks the host's
 * tools, makes the {@link BuildKey}, and returns the cached build when there is one; otherwise,
 * under the cache's lock, fetches the source, refuses options the tree does not know, configures,
 * compiles kernel and schedulers, and publishes bzImage, vmlinux, .config, the release and the
 * schedulers. Progress goes to a line sink throughout; the last line names the key and the time.
 */
public final class KernelBuild {
    private final KernelBuildCache cache;
    private final CommandRunner commands;
    private final Consumer<String> progress;
    private final int jobs;

    /**
     * @param commands runs the short commands (compiler versions); the long steps are run by {@link BuildSteps}
     * @param progress gets a line at least every few seconds while a build runs
     */
    public KernelBuild(KernelBuildCache cache, CommandRunner commands, Consumer<String> progress) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.commands = Objects.requireNonNull(commands, "commands");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.jobs = Runtime.getRuntime().availableProcessors();
    }

    /**
     * The build of source with fragments (applied in order), from the cache or made now.
     *
     * @throws KernelBuildException naming the missing tool, the bad fragment option or the failed step
     */
    public BuiltKernel build(KernelSource source, List<Fragment> fragments) {
        long start = System.nanoTime();
        Toolchain toolchain = Toolchain.ofHost(commands);
        BuildKey key = BuildKey.of(source, fragments, toolchain);
        BuiltKernel built = cache.find(key).orElseGet(() -> {
            progress.accept("building kernel " + key + " from " + source + " with "
                    + fragments.stream().map(Fragment::source).collect(Collectors.joining(", "))
                    + " into " + cache.directory().resolve(key.name()) + ", log " + cache.log(key));
            return cache.build(key, (work, entry) -> make(source, fragments, key, work, entry, start),
                    waited -> waiting(key, waited));
        });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        progress.accept("kernel build " + key + " (" + built.release() + ", schedulers "
                + String.join(" ", built.schedulers()) + ") ready in " + BuildProgress.clock(took) + ": "
                + built.directory());
        return built;
    }

    private void waiting(BuildKey key, Duration waited) {
        if (waited.toSeconds() % 5 == 0) {
            progress.accept("[waiting " + BuildProgress.clock(waited) + "] another kvmunit process is building into "
                    + cache.directory() + "; kernel " + key + " may be the one");
        }
    }

    private void make(KernelSource source, List<Fragment> fragments, BuildKey key, Path work, Path entry, long start)
            throws IOException {
        BuildSteps steps = new BuildSteps(cache.log(key));
        steps.note("kvmunit kernel build " + key + "\n" + key.text());
        BuildProgress sourcing = phase("source", 0);
        Path sourceDir = Files.createDirectories(work.resolve("source"));
        Path tree = sourcing.during(() -> source.prepare(sourceDir, steps, sourcing));
        KconfigSymbols.scan(tree).requireKnown(fragments, tree.toString());
        Path out = work.resolve("kernel");
        BuildProgress configuring = phase("configure", 0);
        configuring.during(() -> new KernelConfigurator(steps, configuring).configure(tree, out, fragments));
        BuildProgress compiling = phase("kernel", cache.expectedObjects(key, KernelBuildCache.KERNEL_OBJECTS,
                KernelCompiler.OBJECTS_6_12));
        String release = compiling.during(() -> new KernelCompiler(steps, compiling).compile(tree, out, jobs));
        BuildProgress scheduling = phase("schedulers", cache.expectedObjects(key, KernelBuildCache.SCHEDULER_OBJECTS,
                SchedulerBuild.OBJECTS_6_12));
        List<Path> schedulers = scheduling.during(() -> new SchedulerBuild(steps, scheduling)
                .build(tree, out, work.resolve("tools"), jobs));

        Files.copy(KernelCompiler.image(out), entry.resolve(BuiltKernel.IMAGE));
        Files.move(out.resolve("vmlinux"), entry.resolve(BuiltKernel.VMLINUX));
        Files.copy(out.resolve(".config"), entry.resolve(BuiltKernel.CONFIG));
        Files.writeString(entry.resolve(BuiltKernel.RELEASE), release + "\n", StandardCharsets.US_ASCII);
        Path schedulerDir = Files.createDirectory(entry.resolve(BuiltKernel.SCHEDULERS));
        for (Path scheduler : schedulers) {
            Files.copy(scheduler, schedulerDir.resolve(scheduler.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(schedulerDir.resolve(BuiltKernel.RELEASE), release + "\n", StandardCharsets.US_ASCII);
        KernelBuildCache.writeInfo(entry, key, compiling.objects(), scheduling.objects(),
                Duration.ofNanos(System.nanoTime() - start));
        progress.accept("compiled " + compiling.objects() + " kernel objects and " + scheduling.objects()
                + " scheduler objects; publishing " + cache.directory().resolve(key.name()));
    }

    private BuildProgress phase(String name, int expected) {
        return new BuildProgress(name, expected, progress, System::nanoTime);
    }
}
