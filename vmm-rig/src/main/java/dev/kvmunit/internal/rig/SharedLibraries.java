package dev.kvmunit.internal.rig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shared libraries (and dynamic loader) that dynamically linked programs need in L1,
 * found with the host's {@code ldd}, which resolves them exactly as the loader will.
 */
final class SharedLibraries {
    /** "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)". */
    private static final Pattern RESOLVED = Pattern.compile("^\\s*(?:\\S+\\s+=>\\s+)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)");

    private SharedLibraries() {
    }

    /**
     * Absolute paths of the libraries {@code binaries} load, excluding those under
     * {@code ignoredRoot} (a JRE's own libraries, which are packed with the JRE). Statically
     * linked binaries contribute nothing.
     */
    static Set<Path> closure(Iterable<Path> binaries, Path ignoredRoot) throws IOException {
        Set<Path> libraries = new LinkedHashSet<>();
        for (Path binary : binaries) {
            for (String line : ldd(binary).split("\n")) {
                Matcher m = RESOLVED.matcher(line);
                if (m.find()) {
                    Path library = Path.of(m.group(1));
                    if (ignoredRoot == null || !library.startsWith(ignoredRoot)) {
                        libraries.add(library);
                    }
                }
            }
        }
        return libraries;
    }

    private static String ldd(Path binary) throws IOException {
        Process process = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            // ldd exits non-zero for static binaries ("not a dynamic executable"): nothing to add.
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running ldd on " + binary, e);
        }
    }
}
