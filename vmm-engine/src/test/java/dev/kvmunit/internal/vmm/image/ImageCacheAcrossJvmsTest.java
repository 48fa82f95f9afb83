package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.kvmunit.internal.vmm.sys.FileLockWaiters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs that want the same base at once: one builds it while the others queue on the
 * key's lock, and those reuse what it built. The builder finishes only when the test has seen
 * every other JVM blocked on that lock, so the overlap is certain, not a matter of timing.
 */
class ImageCacheAcrossJvmsTest {
    private static final int JVMS = 3;

    @TempDir
    Path dir;

    @Test
    void concurrentJvmsBuildOnce() throws Exception {
        Path root = dir.resolve("cache");
        String key = ImageKey.of(CacheContender.contents(), new FileDigestCache(dir.resolve("digests.tsv")));
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < JVMS; i++) {
                processes.add(new ProcessBuilder(javaCommand(), "-cp", testClassPath(), CacheContender.class.getName(),
                        root.toString())
                        .redirectError(dir.resolve("stderr-" + i + ".txt").toFile())
                        .redirectOutput(dir.resolve("stdout-" + i + ".txt").toFile())
                        .start());
            }
            Set<Long> pids = Set.copyOf(processes.stream().map(Process::pid).toList());

            Set<Long> queued = FileLockWaiters.await(root.resolve("images").resolve(key + ".lock"),
                    waiters -> waiters.containsAll(pids) || waiters.size() == JVMS - 1 && pids.containsAll(waiters),
                    () -> problem(processes));
            for (Process process : processes) {
                process.getOutputStream().write('\n');
                process.getOutputStream().close();
            }

            List<String> reports = new ArrayList<>();
            for (int i = 0; i < JVMS; i++) {
                Process process = processes.get(i);
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    throw new AssertionError("contender " + i + " did not finish");
                }
                String stderr = Files.readString(dir.resolve("stderr-" + i + ".txt"), StandardCharsets.UTF_8);
                assertEquals(0, process.exitValue(), () -> "contender failed: " + stderr);
                List<String> lines = stdout(i);
                String expected = queued.contains(process.pid()) ? "reused " + key : "built " + key;
                assertEquals(expected, lines.get(lines.size() - 1), "contender " + i + " printed " + lines);
            }
            assertEquals(1, new ImageCache(root).list().size());
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    /** Why the contenders cannot all be queued behind one builder, or null while they still may be. */
    private String problem(List<Process> processes) {
        int building = 0;
        for (int i = 0; i < processes.size(); i++) {
            if (!processes.get(i).isAlive()) {
                return "contender " + i + " ended while the build should hold the lock: " + stdout(i);
            }
            building += stdout(i).contains("building") ? 1 : 0;
        }
        return building > 1 ? building + " contenders build at once: the key's lock did not keep them out" : null;
    }

    private List<String> stdout(int contender) {
        try {
            return Files.readAllLines(dir.resolve("stdout-" + contender + ".txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Surefire may start tests with a manifest-only booter jar on java.class.path; it publishes the
     * real test class path separately.
     */
    private static String testClassPath() throws IOException {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
    }
}
