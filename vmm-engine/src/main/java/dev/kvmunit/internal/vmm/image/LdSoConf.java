package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The library directories listed in {@code /etc/ld.so.conf} and the files it includes, in the order
 * ldconfig reads them. On the host the loader finds these through /etc/ld.so.cache, which ldconfig
 * builds from exactly this list; reading the list instead of the binary cache keeps us independent
 * of the cache's undocumented format.
 */
final class LdSoConf {
    private LdSoConf() {
    }

    /** Directories from {@code conf}; a missing file yields none (minimal systems have no ld.so.conf). */
    static List<Path> directories(Path conf) throws IOException {
        Set<Path> directories = new LinkedHashSet<>();
        read(conf, directories, new HashSet<>());
        return List.copyOf(directories);
    }

    private static void read(Path conf, Set<Path> directories, Set<Path> visited) throws IOException {
        if (!Files.isRegularFile(conf) || !visited.add(conf.toAbsolutePath().normalize())) {
            return;
        }
        for (String rawLine : Files.readAllLines(conf)) {
            int comment = rawLine.indexOf('#');
            String line = (comment >= 0 ? rawLine.substring(0, comment) : rawLine).strip();
            if (line.isEmpty() || line.startsWith("hwcap ")) {
                continue;
            }
            if (line.startsWith("include ") || line.startsWith("include\t")) {
                for (String pattern : line.substring("include".length()).strip().split("\\s+")) {
                    for (Path included : glob(conf, pattern)) {
                        read(included, directories, visited);
                    }
                }
                continue;
            }
            // ldconfig accepts several directories per line, separated by blanks, ':' or ','; an old
            // "dir=TYPE" suffix names a library type and is not part of the directory.
            for (String entry : line.split("[\\s:,]+")) {
                int equals = entry.indexOf('=');
                String dir = equals >= 0 ? entry.substring(0, equals) : entry;
                if (dir.startsWith("/")) {
                    directories.add(Path.of(dir).normalize());
                }
            }
        }
    }

    /** Expands an include pattern like glob(3) does for ldconfig: sorted, relative to the including file. */
    private static List<Path> glob(Path includingFile, String pattern) throws IOException {
        Path full = includingFile.toAbsolutePath().getParent().resolve(pattern);
        Path directory = full.getParent();
        String namePattern = full.getFileName().toString();
        List<Path> matches = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return matches;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, namePattern)) {
            stream.forEach(matches::add);
        }
        matches.sort(null);
        return matches;
    }
}
