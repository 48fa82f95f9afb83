package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code cache} sub-command of the CLI: {@code list} shows every cached image (key, size, age,
 * kind); {@code clean} deletes all of them, {@code clean --older-than 7d} only those built before
 * then (units s, m, h, d, or an ISO-8601 duration such as PT12H).
 */
public final class CacheCommand {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)([smhd])");

    private final ImageCache cache;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    public CacheCommand(ImageCache cache, PrintStream out, PrintStream err) {
        this(cache, out, err, Clock.systemUTC());
    }

    CacheCommand(ImageCache cache, PrintStream out, PrintStream err, Clock clock) {
        this.cache = cache;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    /** Runs the command; returns the process exit status (0 done, 1 failed, 2 bad usage). */
    public int run(List<String> args) {
        try {
            if (args.equals(List.of("list"))) {
                return list();
            }
            if (args.equals(List.of("clean"))) {
                return clean(Duration.ZERO);
            }
            if (args.size() == 3 && args.get(0).equals("clean") && args.get(1).equals("--older-than")) {
                return clean(parseDuration(args.get(2)));
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("cache command failed: " + e.getMessage());
            return 1;
        }
        err.println("usage: cache list | cache clean [--older-than DURATION]   (DURATION: 30m, 12h, 7d or PT12H)");
        return 2;
    }

    private int list() throws IOException {
        out.printf("%-64s  %10s  %8s  %s%n", "KEY", "SIZE", "AGE", "KIND");
        for (CacheEntry entry : cache.list()) {
            Duration age = Duration.between(entry.created(), clock.instant());
            out.printf("%-64s  %10s  %8s  %s%n", entry.key(), humanSize(entry.size()), humanAge(age), entry.kind());
        }
        return 0;
    }

    private int clean(Duration olderThan) throws IOException {
        List<CacheEntry> deleted = cache.clean(olderThan);
        long bytes = deleted.stream().mapToLong(CacheEntry::size).sum();
        out.println("deleted " + deleted.size() + " cached image(s), " + humanSize(bytes));
        return 0;
    }

    static Duration parseDuration(String text) {
        Matcher matcher = SHORT_DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            Duration duration = Duration.parse(text);
            if (duration.isNegative()) {
                throw new IllegalArgumentException("--older-than must not be negative, was " + text);
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--older-than '" + text + "' is not a duration; use e.g. 30m, 12h, 7d"
                    + " or PT12H");
        }
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    static String humanAge(Duration age) {
        if (age.toDays() > 0) {
            return age.toDays() + "d";
        }
        if (age.toHours() > 0) {
            return age.toHours() + "h";
        }
        if (age.toMinutes() > 0) {
            return age.toMinutes() + "m";
        }
        return Math.max(0, age.toSeconds()) + "s";
    }
}
