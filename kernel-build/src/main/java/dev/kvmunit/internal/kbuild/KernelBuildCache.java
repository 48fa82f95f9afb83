package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.CacheDirectory;
import dev.kvmunit.internal.vmm.kernel.FileTrees;
import dev.kvmunit.internal.vmm.kernel.KernelCache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Finished kernel builds, {@code $XDG_CACHE_HOME/kvmunit/kernel-builds/<key>/} (default
 * {@code ~/.cache/kvmunit/kernel-builds}), one {@link BuiltKernel} per {@link BuildKey}. Kept apart
 * from the provisioned kernels ({@link KernelCache}) so that a build never becomes the kernel of
 * tests that did not ask for it.
 *
 * <p>A build runs under the directory's lock ({@link CacheDirectory}): when several JVMs ask for
 * the same key at once, one builds and the others wait and then find it. The work happens in a
 * staging directory that is renamed into place when complete and removed otherwise (a killed
 * JVM's is removed by the next lock holder). Logs are written to {@code logs/<key>.log}; a
 * successful build moves its log into its directory, a failed one leaves it there.
 */
public final class KernelBuildCache {
    static final String DIRECTORY = "kernel-builds";
    private static final String LOGS = "logs";
    private static final String ENTRY = "entry";
    /** Keys of {@link BuiltKernel#INFO}. */
    static final String KERNEL_OBJECTS = "objects.kernel";
    static final String SCHEDULER_OBJECTS = "objects.schedulers";
    private static final String FRAGMENTS = "fragments";

    private final CacheDirectory entries;

    public KernelBuildCache(Path directory) {
        this.entries = new CacheDirectory(directory, "kernel build cache");
    }

    /** The cache for the current user, honouring XDG_CACHE_HOME. */
    public static KernelBuildCache forCurrentUser() {
        return new KernelBuildCache(KernelCache.kvmunitCacheRoot(System::getenv, Path.of(System.getProperty("user.home")))
                .resolve(DIRECTORY));
    }

    public Path directory() {
        return entries.directory();
    }

    public Optional<BuiltKernel> find(BuildKey key) {
        BuiltKernel build = new BuiltKernel(directory().resolve(key.name()));
        return build.isComplete() ? Optional.of(build) : Optional.empty();
    }

    /** Finished builds, the most recently made first. */
    public List<BuiltKernel> list() {
        if (!Files.isDirectory(directory())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(directory())) {
            return dirs.filter(d -> !d.getFileName().toString().startsWith(".") && !d.getFileName().toString().equals(LOGS))
                    .map(BuiltKernel::new)
                    .filter(BuiltKernel::isComplete)
                    .sorted(Comparator.comparing(KernelBuildCache::madeAt).reversed())
                    .toList();
        } catch (IOException e) {
            throw new KernelBuildException("cannot list the kernel build cache " + directory() + ": " + e.getMessage(), e);
        }
    }

    private static long madeAt(BuiltKernel build) {
        try {
            return Files.getLastModifiedTime(build.directory().resolve(BuiltKernel.INFO)).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Where the build of key logs while it runs, and where a failed build's log stays. */
    Path log(BuildKey key) {
        return directory().resolve(LOGS).resolve(key.name() + ".log");
    }

    /** Makes an entry: the work fills {@code entry} using {@code workDir} for everything else. */
    @FunctionalInterface
    interface EntryWork {
        void fill(Path workDir, Path entry) throws IOException;
    }

    /**
     * The build of key, made by work under the lock unless it is there already (another JVM may
     * have made it while this one waited).
     *
     * @param waiting told how long this JVM has waited, about every second, while another holds the lock
     */
    BuiltKernel build(BuildKey key, EntryWork work, Consumer<Duration> waiting) {
        return entries.underLock(() -> {
            Optional<BuiltKernel> done = find(key);
            if (done.isPresent()) {
                return done.get();
            }
            Files.createDirectories(log(key).getParent());
            Files.deleteIfExists(log(key)); // a failed attempt's; this attempt writes its own
            Path staging = entries.newStagingDirectory();
            try {
                Path entry = Files.createDirectory(staging.resolve(ENTRY));
                work.fill(staging, entry);
                if (Files.exists(log(key))) {
                    Files.move(log(key), entry.resolve(BuiltKernel.LOG));
                }
                return new BuiltKernel(entries.publish(entry, key.name()));
            } finally {
                FileTrees.deleteRecursively(staging);
            }
        }, waiting);
    }

    /**
     * How many objects a step of a build with these fragments compiles, as the newest such build
     * recorded it, else fallback: the estimate {@link BuildProgress} counts against.
     *
     * @param step {@link #KERNEL_OBJECTS} or {@link #SCHEDULER_OBJECTS}
     */
    int expectedObjects(BuildKey key, String step, int fallback) {
        for (BuiltKernel build : list()) {
            Properties info = readInfo(build);
            if (String.join(" ", key.fragments()).equals(info.getProperty(FRAGMENTS))) {
                try {
                    return Integer.parseInt(info.getProperty(step, ""));
                } catch (NumberFormatException e) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    /** Writes the build's record: its key's parts, the objects each step compiled and how long it took. */
    static void writeInfo(Path entry, BuildKey key, int kernelObjects, int schedulerObjects, Duration took)
            throws IOException {
        Properties info = new Properties();
        info.setProperty("key", key.name());
        info.setProperty("recipe", Integer.toString(BuildKey.RECIPE));
        info.setProperty("source", key.source());
        info.setProperty(FRAGMENTS, String.join(" ", key.fragments()));
        info.setProperty("gcc", key.toolchain().gcc());
        info.setProperty("clang", key.toolchain().clang());
        info.setProperty(KERNEL_OBJECTS, Integer.toString(kernelObjects));
        info.setProperty(SCHEDULER_OBJECTS, Integer.toString(schedulerObjects));
        info.setProperty("seconds", Long.toString(took.toSeconds()));
        try (OutputStream out = Files.newOutputStream(entry.resolve(BuiltKernel.INFO))) {
            info.store(out, "kvmunit kernel build");
        }
    }

    static Properties readInfo(BuiltKernel build) {
        Properties info = new Properties();
        try (InputStream in = Files.newInputStream(build.directory().resolve(BuiltKernel.INFO))) {
            info.load(in);
        } catch (IOException | IllegalArgumentException unreadable) {
            // an entry with an unreadable record still boots; it just gives no estimate
        }
        return info;
    }
}
