package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.FileTrees;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark (not a test): kvmunit's sched_ext kernel built cold, as a fresh machine builds it
 * (apt-get download of the source, unpack, configure, compile, schedulers), into an empty cache
 * directory that is removed afterwards; then the cache hit a later JVM pays ({@code apt} candidate,
 * toolchain versions, key, lookup).
 *
 * <p>Usage: {@code KernelBuildBenchmark [cache-hit runs]}. The cold build takes minutes.
 */
public final class KernelBuildBenchmark {
    /** How {@link BuildSteps} ends a step in the log: "==== compile ...: exit 0 after 8:34". */
    private static final Pattern STEP_END = Pattern.compile("^==== (.+): exit 0 after (\\d+:\\d\\d)$");

    private KernelBuildBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path scratch = Files.createTempDirectory("kvmunit-kernel-build-bench");
        try {
            KernelBuildCache cache = new KernelBuildCache(scratch);
            String loadBefore = loadAverage();
            long start = System.nanoTime();
            BuiltKernel built = SchedExtKernel.buildInto(cache, line -> System.err.println("[kvmunit] " + line));
            Duration cold = Duration.ofNanos(System.nanoTime() - start);
            String loadAfter = loadAverage();
            List<Double> hits = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long hitStart = System.nanoTime();
                SchedExtKernel.buildInto(cache, line -> { });
                hits.add((System.nanoTime() - hitStart) / 1e9);
            }
            report(built, cold, hits, loadBefore, loadAfter);
        } finally {
            FileTrees.deleteRecursively(scratch);
        }
    }

    private static void report(BuiltKernel built, Duration cold, List<Double> hits, String loadBefore,
                               String loadAfter) throws IOException {
        Properties info = KernelBuildCache.readInfo(built);
        System.out.printf(Locale.ROOT, "Kernel %s (key %s, schedulers %s); %d-core machine, load average %s before"
                        + " and %s after the cold build.%n%n", built.release(), built.key(),
                String.join(" ", built.schedulers()), Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        System.out.println("| what | value |");
        System.out.println("|---|---|");
        System.out.printf(Locale.ROOT, "| cold build, end to end (download included) | %s |%n", BuildProgress.clock(cold));
        for (String line : Files.readAllLines(built.directory().resolve(BuiltKernel.LOG), StandardCharsets.UTF_8)) {
            Matcher step = STEP_END.matcher(line);
            if (step.matches()) {
                System.out.printf(Locale.ROOT, "| step: %s | %s |%n", step.group(1), step.group(2));
            }
        }
        System.out.printf(Locale.ROOT, "| kernel objects compiled | %s |%n",
                info.getProperty(KernelBuildCache.KERNEL_OBJECTS));
        System.out.printf(Locale.ROOT, "| scheduler objects compiled | %s |%n",
                info.getProperty(KernelBuildCache.SCHEDULER_OBJECTS));
        System.out.printf(Locale.ROOT, "| cache hit, median of %d | %.2f s |%n", hits.size(), median(hits));
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
        return fields[0] + "/" + fields[1] + "/" + fields[2];
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
