package dev.kvmunit.internal.kbuild;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the long steps of a build (configure, make) as child processes: their output, stdout and
 * stderr interleaved, goes to one log file and, line by line, to a listener for progress. A step
 * that fails ends the build with a {@link KernelBuildException} naming the step, its exit status
 * and the last {@link #TAIL_LINES} lines of its output, and pointing at the log, which the caller
 * keeps.
 */
final class BuildSteps {
    static final int TAIL_LINES = 25;
    /** English, reproducible output: the log is read by people, the build id does not name this host. */
    private static final Map<String, String> ENVIRONMENT = Map.of("LC_ALL", "C", "KBUILD_BUILD_USER", "kvmunit",
            "KBUILD_BUILD_HOST", "kvmunit");

    private final Path log;

    /** @param log appended to; created with its directory if missing */
    BuildSteps(Path log) {
        this.log = log;
    }

    Path log() {
        return log;
    }

    /** Writes a line of our own into the log, e.g. what was decided before the steps ran. */
    void note(String line) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new KernelBuildException("cannot write the build log " + log + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs one step to its end.
     *
     * @param step    what it does, for messages ("configure: make tinyconfig")
     * @param command program and arguments, no shell
     * @param cwd     where it runs
     * @param lines   gets each line of its output
     * @throws KernelBuildException when it cannot start or exits non-zero
     */
    void run(String step, List<String> command, Path cwd, Consumer<String> lines) {
        note("==== " + step + ": " + String.join(" ", command));
        long start = System.nanoTime();
        Deque<String> tail = new ArrayDeque<>();
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().putAll(ENVIRONMENT);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new KernelBuildException("kernel build step '" + step + "' could not start " + command.get(0) + ": "
                    + e.getMessage(), e);
        }
        try (Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
             BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            process.getOutputStream().close();
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush(); // so that the log can be followed while the step runs
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
                lines.accept(line);
            }
            int exit = process.waitFor();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            out.write("==== " + step + ": exit " + exit + " after " + BuildProgress.clock(took) + "\n");
            if (exit != 0) {
                throw new KernelBuildException("kernel build step '" + step + "' failed (exit " + exit + ") after "
                        + BuildProgress.clock(took) + "; the last lines of its output:\n  " + String.join("\n  ", tail)
                        + "\nThe whole log is kept at " + log);
            }
        } catch (IOException e) {
            throw new KernelBuildException("kernel build step '" + step + "': cannot read its output or write the log "
                    + log + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelBuildException("kernel build step '" + step + "' was interrupted; log: " + log, e);
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }
}
