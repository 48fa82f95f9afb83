package dev.kvmunit.vmm.memory;

import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This process's memory mappings as the Linux kernel reports them in {@code /proc/self/smaps}:
 * which file backs a guest address, and how much host memory guest RAM really costs.
 */
public final class HostMappings {
    /** {@code start-end perms offset dev inode [path]}; the path may hold spaces. */
    private static final Pattern HEADER =
            Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ \\S+\\s*(.*)$");
    private static final Pattern FIELD = Pattern.compile("^(\\w+):\\s+(\\d+) kB$");

    /** One mapping (VMA) and its smaps counters in KiB, e.g. {@code Rss}, {@code Private_Dirty}. */
    public record Mapping(long start, long end, String path, Map<String, Long> kib) {
        long get(String field) {
            return kib.getOrDefault(field, 0L);
        }

        boolean overlaps(long from, long to) {
            return start < to && from < end;
        }
    }

    /**
     * Host memory behind some guest RAM, in bytes. {@code pss} splits each shared page between
     * its mappers, so the sum over all sharers counts every page once.
     *
     * @param privateBytes pages mapped only once (clean or dirty): what a copy costs
     */
    public record Usage(long rss, long pss, long privateBytes) {
    }

    private HostMappings() {
    }

    /** The file mapped at guest address {@code gpa}, or empty for anonymous memory. */
    public static Optional<Path> backingFile(GuestMemory memory, long gpa) {
        long address = Pointer.nativeValue(memory.hostPointer()) + gpa;
        return read().stream()
                .filter(m -> m.overlaps(address, address + 1))
                .map(Mapping::path)
                .filter(path -> path.startsWith("/"))
                .map(Path::of)
                .findFirst();
    }

    /**
     * Sums the counters of every mapping that overlaps any of the memories' ranges, each mapping
     * once even when neighbouring memories were merged into one mapping by the kernel.
     */
    public static Usage usage(Collection<GuestMemory> memories) {
        long rss = 0;
        long pss = 0;
        long privateKib = 0;
        for (Mapping m : read()) {
            boolean inGuestRam = memories.stream().anyMatch(memory -> {
                long start = Pointer.nativeValue(memory.hostPointer());
                return m.overlaps(start, start + memory.size());
            });
            if (inGuestRam) {
                rss += m.get("Rss");
                pss += m.get("Pss");
                privateKib += m.get("Private_Clean") + m.get("Private_Dirty");
            }
        }
        return new Usage(rss << 10, pss << 10, privateKib << 10);
    }

    /** Parses {@code /proc/self/smaps}. */
    public static List<Mapping> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/self/smaps needs Linux", e);
        }
        List<Mapping> mappings = new ArrayList<>();
        Matcher header = null;
        Map<String, Long> kib = new HashMap<>();
        for (String line : lines) {
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                if (header != null) {
                    mappings.add(mapping(header, kib));
                }
                header = h;
                kib = new HashMap<>();
                continue;
            }
            Matcher f = FIELD.matcher(line);
            if (f.matches()) {
                kib.put(f.group(1), Long.parseLong(f.group(2)));
            }
        }
        if (header != null) {
            mappings.add(mapping(header, kib));
        }
        return mappings;
    }

    private static Mapping mapping(Matcher header, Map<String, Long> kib) {
        return new Mapping(Long.parseUnsignedLong(header.group(1), 16), Long.parseUnsignedLong(header.group(2), 16),
                header.group(3), Map.copyOf(kib));
    }
}
