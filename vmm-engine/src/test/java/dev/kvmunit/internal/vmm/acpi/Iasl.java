package dev.kvmunit.internal.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.opentest4j.TestAbortedException;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs ACPICA's disassembler ({@code iasl -d}) on a table, the independent check that our
 * bytes are what the spec says. Without iasl the test skips, or fails under {@code CI=true}.
 */
final class Iasl {
    private static final String INSTALL_HINT = "iasl (ACPICA) is not installed; install it with"
            + " 'sudo apt-get install acpica-tools' to check the ACPI tables";

    private Iasl() {
    }

    /** Skips the calling test when iasl is missing, or fails it where {@link TestEnforcement} says. */
    static void assumeInstalled() {
        TestEnforcement.ofProcess().require(findOnPath() != null, INSTALL_HINT, TestAbortedException::new);
    }

    private static Path findOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "iasl");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Writes {@code table} to {@code dir/name.dat}, disassembles it and returns the .dsl
     * text. Fails the test if iasl fails or reports any warning, error or checksum problem.
     */
    static String disassemble(Path dir, String name, byte[] table) throws IOException, InterruptedException {
        Files.write(dir.resolve(name + ".dat"), table);
        run(dir, "-d", name + ".dat");
        return Files.readString(dir.resolve(name + ".dsl"), StandardCharsets.UTF_8);
    }

    /**
     * Compiles {@code dir/name.dsl} back to AML and returns the table bytes. Fails the test
     * on any compiler remark, warning or error. Name strings are kept as written ({@code -on}),
     * otherwise iasl shortens {@code \_SB_} to {@code _SB_} at the root.
     */
    static byte[] compile(Path dir, String name) throws IOException, InterruptedException {
        run(dir, "-on", "-p", name + "-recompiled", name + ".dsl");
        return Files.readAllBytes(dir.resolve(name + "-recompiled.aml"));
    }

    private static void run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("iasl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String console = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "iasl finished");
        String context = "iasl " + String.join(" ", args) + ":\n" + console;
        assertEquals(0, process.exitValue(), () -> context);
        String lower = console.toLowerCase(Locale.ROOT);
        // The compiler's summary line names the counts even when they are zero; check it
        // for zeros, and the rest of the output for any mention of a problem.
        String summary = "compilation successful. 0 errors, 0 warnings, 0 remarks";
        if (!args[0].equals("-d")) {
            assertTrue(lower.contains(summary), () -> context);
        }
        String rest = lower.replace(summary, "");
        for (String problem : new String[] {"warning", "error", "remark", "checksum", "invalid"}) {
            assertFalse(rest.contains(problem), () -> "'" + problem + "' in " + context);
        }
    }
}
