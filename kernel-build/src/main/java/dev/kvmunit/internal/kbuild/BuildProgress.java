package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns make's output into progress lines such as {@code [kernel 43% 2:10] CC kernel/sched/ext.o}:
 * at most one every {@link #MIN_INTERVAL}, and, while make is quiet (linking vmlinux, pahole
 * making BTF), one every {@link #QUIET_INTERVAL} from {@link #tick()}, so a build never looks hung.
 *
 * <p>How far: kbuild prints one {@code CC}/{@code AS} line per object it compiles, and sched_ext's
 * Makefile prints its {@code gcc}/{@code clang-19 -c ... -o X.o} commands whole; each object so
 * compiled is counted against the expected total, which is the count of the last build of the same kind (see
 * {@link KernelBuildCache#expectedObjects}) or, for a first build, the count measured for kvmunit's
 * fragment on Linux 6.12. The percentage stops at 99 until the step ends, should the estimate be low.
 */
final class BuildProgress implements Consumer<String> {
    static final Duration MIN_INTERVAL = Duration.ofSeconds(2);
    static final Duration QUIET_INTERVAL = Duration.ofSeconds(5);
    /** kbuild's quiet output: two spaces, a short upper-case tag, a target. */
    private static final Pattern QUIET_LINE = Pattern.compile("^  ([A-Z][A-Z0-9_-]*(?: \\[M\\])?)\\s+(\\S.*)$");
    private static final Pattern COMPILES = Pattern.compile("CC|AS|HOSTCC");
    /** A compiler command printed whole: {@code clang-19 ... -c x.bpf.c -o /out/x.bpf.o}. */
    private static final Pattern RAW_COMPILE =
            Pattern.compile("^(\\S*(?:gcc|clang)[^\\s/]*)\\s.*\\s-c\\s.*?-o\\s+(\\S+\\.o)(?:\\s.*)?$");

    private final String phase;
    private final int expected;
    private final Consumer<String> out;
    private final LongSupplier nanoClock;
    private final long start;
    private int objects;
    private String current = "starting";
    private long lastEmitted;
    private boolean changed;

    /**
     * @param phase     what is being built ("kernel", "schedulers"), the line's prefix
     * @param expected  how many objects the step is expected to compile; 0 when it compiles none
     *                  (fetching, configuring), then lines carry no percentage
     * @param out       where progress lines go
     * @param nanoClock {@link System#nanoTime()} outside tests
     */
    BuildProgress(String phase, int expected, Consumer<String> out, LongSupplier nanoClock) {
        this.phase = phase;
        this.expected = expected;
        this.out = out;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.lastEmitted = start;
    }

    /** One line of make's output. */
    @Override
    public synchronized void accept(String line) {
        Matcher quiet = QUIET_LINE.matcher(line);
        Matcher raw = RAW_COMPILE.matcher(line);
        if (quiet.matches()) {
            String target = quiet.group(2).strip();
            step(quiet.group(1), target, COMPILES.matcher(quiet.group(1)).matches() && target.endsWith(".o"));
        } else if (raw.matches()) {
            step(Path.of(raw.group(1)).getFileName().toString(), raw.group(2), true);
        }
    }

    private void step(String tag, String target, boolean compiles) {
        if (compiles) {
            objects++;
        }
        current = tag + " " + shorten(target);
        changed = true;
        emitIfDue(MIN_INTERVAL);
    }

    /** Tools builds print absolute paths: their last three parts say enough. */
    private static String shorten(String target) {
        if (!target.startsWith("/")) {
            return target;
        }
        Path path = Path.of(target);
        int n = path.getNameCount();
        return n <= 3 ? target : ".../" + path.subpath(n - 3, n);
    }

    /** Called every second or so by a timer: says where the build is when make has been quiet. */
    synchronized void tick() {
        emitIfDue(changed ? MIN_INTERVAL : QUIET_INTERVAL);
    }

    /** What the build does now, when it is no make output: "downloading linux-source-6.12". */
    synchronized void status(String text) {
        current = text;
        changed = true;
        emitIfDue(Duration.ZERO);
    }

    /** Work a progress watches, such as a step's make. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    /** Runs work while a timer calls {@link #tick()} every second; returns its result. */
    <T> T during(Work<T> work) throws IOException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvmunit-build-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        try {
            return work.run();
        } finally {
            timer.shutdownNow();
        }
    }

    /** Objects counted so far; after the step, how many it compiled. */
    synchronized int objects() {
        return objects;
    }

    private void emitIfDue(Duration interval) {
        long now = nanoClock.getAsLong();
        if (now - lastEmitted >= interval.toNanos()) {
            out.accept(line(now));
            lastEmitted = now;
            changed = false;
        }
    }

    private String line(long now) {
        String elapsed = clock(Duration.ofNanos(now - start));
        if (expected <= 0) {
            return String.format(Locale.ROOT, "[%s %s] %s", phase, elapsed, current);
        }
        int percent = Math.min(99, (int) (100L * objects / expected));
        return String.format(Locale.ROOT, "[%s %d%% %s] %s", phase, percent, elapsed, current);
    }

    /** "2:05", or "1:02:05" past an hour. */
    static String clock(Duration elapsed) {
        long s = elapsed.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
