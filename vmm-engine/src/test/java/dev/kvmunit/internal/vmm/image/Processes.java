package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the host tools (lz4, cpio, gcc) the tests use as independent judges of our output. */
final class Processes {
    private Processes() {
    }

    /** Runs {@code command} in {@code dir} with stdin from {@code stdin} (or nothing) and returns stdout. */
    static String run(Path dir, Path stdin, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 2 minutes");
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        Files.delete(stdout);
        Files.delete(stderr);
        assertEquals(0, process.exitValue(), () -> command + " failed: " + err);
        return out;
    }
}
