package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;
import org.junit.jupiter.api.Test;
import org.junit.platform.console.ConsoleLauncher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a {@link VmTest} through JUnit's Console Launcher in a child JVM, the way Gradle and
 * IDEs run tests: test classes come from a class loader of the launcher's, not from the JVM's
 * class path, so nothing kvmunit ships (to the rig's L1 above all) may be found from there.
 */
class ConsoleLauncherTest {

    /** What the Console Launcher runs; Surefire leaves nested classes alone. */
    static class LaunchedVmTest {
        @VmTest
        void guestRunsACommand(Guest guest) {
            assertEquals("hello from the guest\n", guest.run("echo", "hello from the guest").stdoutText());
        }
    }

    @Test
    void aVmTestPassesUnderTheConsoleLauncher() throws IOException, InterruptedException {
        Path target = Path.of("target");
        String classpath = String.join(":", target.resolve("test-classes").toString(),
                target.resolve("classes").toString(), Files.readString(target.resolve("test.classpath")).strip());
        Path launcherJar = Path.of(ConsoleLauncher.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path output = Files.createTempFile("kvmunit-console-launcher", ".txt");
        try {
            Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", launcherJar.toString(), "execute", "--disable-banner", "--disable-ansi-colors",
                    "--details=tree", "-cp", classpath, "--select-class", LaunchedVmTest.class.getName()))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean ended = child.waitFor(15, TimeUnit.MINUTES);
            if (!ended) {
                child.descendants().forEach(ProcessHandle::destroyForcibly);
                child.destroyForcibly();
            }
            String report = Files.readString(output, StandardCharsets.UTF_8);
            assertTrue(ended, "the Console Launcher did not finish in 15 minutes:\n" + report);
            assertEquals(0, child.exitValue(), report);
            assertTrue(report.contains("[         1 tests successful      ]"), report);
            assertTrue(report.contains("[         0 tests failed          ]"), report);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
