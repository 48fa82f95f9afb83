package dev.kvmunit.internal.vmm.memory;

import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This process's memory as the Linux kernel reports it in {@code /proc/self/smaps} and
 * {@code /proc/self/pagemap}: which file backs a guest address, and how much host memory guest
 * RAM really costs.
 */
public final class HostMappings {
    /** {@code start-end perms offset dev inode [path]}; the path may hold spaces. */
    private static final Pattern HEADER =
            Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ \\S+\\s*(.*)$");
    private static final Pattern FIELD = Pattern.compile("^(\\w+):\\s+(\\d+) kB$");
    /** pagemap entry bits, from the kernel's Documentation/admin-guide/mm/pagemap.rst. */
    private static final long PRESENT = 1L << 63;
    private static final long FILE_OR_SHARED = 1L << 61;
    private static final long EXCLUSIVE = 1L << 56;
    private static final int PAGEMAP_CHUNK = 1 << 16;

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
     * Host memory behind some guest RAM, in bytes.
     *
     * @param resident     pages present in guest RAM, counted once per VM that maps them (Rss)
     * @param pss          what the host really spends: anonymous pages, plus file pages split
     *                     between all their mappers (the kernel's Pss), so shared pages add up once
     * @param privateBytes pages mapped by one VM only, anonymous or file: what a copy costs
     * @param anonymous    pages backed by no file, which only swap could ever reclaim
     */
    public record Usage(long resident, long pss, long privateBytes, long anonymous) {
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
     * Measures guest RAM page by page from {@code /proc/self/pagemap}, because the kernel merges
     * an anonymous guest range with neighbouring JVM memory into one smaps entry; only the Pss of
     * file mappings, which never extend past guest RAM, comes from smaps.
     */
    public static Usage usage(Collection<GuestMemory> memories) {
        PageCounts pages = countPages(memories);
        long filePssKib = read().stream()
                .filter(m -> m.path().startsWith("/") && inGuestRam(m, memories))
                .mapToLong(m -> m.get("Pss"))
                .sum();
        long page = GuestMemory.PAGE_SIZE;
        return new Usage(pages.resident * page, pages.anonymous * page + (filePssKib << 10),
                (pages.anonymous + pages.exclusiveFile) * page, pages.anonymous * page);
    }

    private static boolean inGuestRam(Mapping mapping, Collection<GuestMemory> memories) {
        return memories.stream().anyMatch(memory -> {
            long start = Pointer.nativeValue(memory.hostPointer());
            return mapping.overlaps(start, start + memory.size());
        });
    }

    private static final class PageCounts {
        long resident;
        long anonymous;
        long exclusiveFile;

        void add(long entry) {
            if ((entry & PRESENT) == 0) {
                return;
            }
            resident++;
            if ((entry & FILE_OR_SHARED) == 0) {
                anonymous++;
            } else if ((entry & EXCLUSIVE) != 0) {
                exclusiveFile++;
            }
        }
    }

    private static PageCounts countPages(Collection<GuestMemory> memories) {
        PageCounts counts = new PageCounts();
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            ByteBuffer entries = ByteBuffer.allocate(PAGEMAP_CHUNK * Long.BYTES).order(ByteOrder.nativeOrder());
            for (GuestMemory memory : memories) {
                long firstPage = Pointer.nativeValue(memory.hostPointer()) / GuestMemory.PAGE_SIZE;
                long pages = memory.size() / GuestMemory.PAGE_SIZE;
                for (long done = 0; done < pages; done += entries.limit() / Long.BYTES) {
                    entries.clear().limit((int) Math.min(PAGEMAP_CHUNK, pages - done) * Long.BYTES);
                    while (entries.hasRemaining()) {
                        if (pagemap.read(entries, (firstPage + done) * Long.BYTES + entries.position()) < 0) {
                            throw new IOException("/proc/self/pagemap ended early");
                        }
                    }
                    entries.flip();
                    while (entries.hasRemaining()) {
                        counts.add(entries.getLong());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/self/pagemap needs Linux 4.2 or later", e);
        }
        return counts;
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
