package dev.kvmunit.internal.vmm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.kvmunit.internal.vmm.image.CachedImage;
import dev.kvmunit.internal.vmm.image.ElfClosure;
import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.image.InitramfsContents;
import dev.kvmunit.internal.vmm.image.InitramfsWriter;

/**
 * Image-ready time for a realistic base: a JRE jlinked from the running JDK plus a few host
 * binaries with their library closures. Measures a cold build (empty cache: hash, compress,
 * write), a warm lookup through fresh cache instances as a new JVM makes them (stat every input,
 * verify the cached entry once; JIT already warm), a
 * warm lookup within one JVM (stat only), and writing a per-test overlay. Prints medians.
 *
 * <p>Run: {@code mvn -B -q -pl vmm-engine test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.kvmunit.internal.vmm.bench.ImageBenchmark -Dexec.args=5}
 */
public final class ImageBenchmark {
    /** The digest cache does not remember files modified within the last 2 s; the inputs must be older. */
    private static final long SETTLE_MILLIS = 2500;
    private static final List<String> JRE_MODULES = List.of("java.base", "java.logging");
    private static final List<String> BINARIES = List.of("/bin/sh", "/bin/ls", "/usr/bin/env");

    private ImageBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Files.createTempDirectory("kvmunit-image-bench");
        try {
            InitramfsContents base = baseContents(work);
            Thread.sleep(SETTLE_MILLIS);
            long inputBytes = inputBytes(base);

            List<Long> cold = new ArrayList<>();
            CachedImage image = null;
            for (int i = 0; i < runs; i++) {
                Path root = work.resolve("cold-" + i);
                long start = System.nanoTime();
                image = new ImageCache(root).base(base);
                cold.add(System.nanoTime() - start);
                check(image.built(), "cold run built the base");
            }
            Path warmRoot = work.resolve("cold-0");
            List<Long> warmNewJvm = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                CachedImage warm = new ImageCache(warmRoot).base(base);
                warmNewJvm.add(System.nanoTime() - start);
                check(!warm.built(), "warm run reused the base");
            }
            ImageCache shared = new ImageCache(warmRoot);
            shared.base(base);
            List<Long> warmSameJvm = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                shared.base(base);
                warmSameJvm.add(System.nanoTime() - start);
            }
            List<Long> overlay = new ArrayList<>();
            byte[] testFile = new byte[64 * 1024];
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                InitramfsWriter.writeFile(new InitramfsContents()
                        .file("/kvmunit/args", 0644, ("--run " + i).getBytes(StandardCharsets.UTF_8))
                        .file("/kvmunit/test-data", 0644, testFile), work.resolve("overlay-" + i));
                overlay.add(System.nanoTime() - start);
            }

            System.out.printf("image benchmark: %d entries, %.1f MiB of files -> %.1f MiB LZ4 base; %d runs, medians%n",
                    base.entries().size(), inputBytes / 1048576.0, image.size() / 1048576.0, runs);
            print("cold build (empty cache: hash, compress, write)", cold);
            print("warm lookup, fresh instances as in a new JVM", warmNewJvm);
            print("warm lookup, same JVM (stat inputs)", warmSameJvm);
            print("per-test overlay (args + 64 KiB file)", overlay);
        } finally {
            deleteTree(work);
        }
    }

    private static InitramfsContents baseContents(Path work) throws IOException, InterruptedException {
        Path jre = work.resolve("jre");
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        Process process = new ProcessBuilder(jlink.toString(), "--add-modules", String.join(",", JRE_MODULES),
                "--strip-debug", "--no-man-pages", "--no-header-files", "--output", jre.toString())
                .inheritIO().start();
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException(jlink + " failed; the benchmark needs a JDK with jmods");
        }
        InitramfsContents contents = new InitramfsContents().charDevice("/dev/console", 0600, 5, 1);
        try (Stream<Path> files = Files.walk(jre)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String guestPath = "/opt/jre/" + jre.relativize(file);
                if (Files.isSymbolicLink(file)) {
                    contents.symlink(guestPath, Files.readSymbolicLink(file).toString());
                } else if (Files.isRegularFile(file)) {
                    contents.file(guestPath, Files.isExecutable(file) ? 0755 : 0644, file);
                }
            }
        }
        List<Path> binaries = BINARIES.stream().map(Path::of).filter(Files::isExecutable).toList();
        ElfClosure.forHost().resolve(binaries).addTo(contents);
        return contents;
    }

    private static long inputBytes(InitramfsContents contents) throws IOException {
        long total = 0;
        for (var entry : contents.entries()) {
            if (entry instanceof dev.kvmunit.internal.vmm.image.ImageEntry.RegularFile file) {
                total += file.content().size();
            }
        }
        return total;
    }

    private static void print(String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2.0;
        System.out.printf("  %-52s %9.1f ms%n", what, median / 1e6);
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark assumption broken: " + what);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
