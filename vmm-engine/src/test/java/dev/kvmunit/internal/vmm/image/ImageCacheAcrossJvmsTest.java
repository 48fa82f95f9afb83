package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs that want the same base at once: exactly one builds it, the others reuse it. */
class ImageCacheAcrossJvmsTest {
    private static final int JVMS = 3;

    @TempDir
    Path dir;

    @Test
    void concurrentJvmsBuildOnce() throws Exception {
        Path root = dir.resolve("cache");
        long startAt = System.currentTimeMillis() + 3000;
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            processes.add(new ProcessBuilder(javaCommand(), "-cp", testClassPath(), CacheContender.class.getName(),
                    root.toString(), Long.toString(startAt))
                    .redirectError(dir.resolve("stderr-" + i + ".txt").toFile())
                    .redirectOutput(dir.resolve("stdout-" + i + ".txt").toFile())
                    .start());
        }
        List<String> reports = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            Process process = processes.get(i);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                processes.forEach(Process::destroyForcibly);
                throw new AssertionError("contender " + i + " did not finish");
            }
            String stderr = Files.readString(dir.resolve("stderr-" + i + ".txt"), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), () -> "contender failed: " + stderr);
            reports.add(Files.readString(dir.resolve("stdout-" + i + ".txt"), StandardCharsets.UTF_8).strip());
        }

        assertEquals(1, reports.stream().filter(r -> r.startsWith("built ")).count(), reports::toString);
        assertEquals(JVMS - 1, reports.stream().filter(r -> r.startsWith("reused ")).count(), reports::toString);
        assertEquals(1, reports.stream().map(r -> r.substring(r.indexOf(' ') + 1)).distinct().count(), reports::toString);
        assertEquals(1, new ImageCache(root).list().size());
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
