package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildStepsTest {
    @TempDir
    Path dir;

    @Test
    void aStepsOutputGoesToTheLogAndToTheListenerStderrIncluded() throws IOException {
        BuildSteps steps = new BuildSteps(dir.resolve("logs/build.log"));
        List<String> seen = new ArrayList<>();

        steps.note("key abc");
        steps.run("say hello", List.of("sh", "-c", "echo hello; echo oops >&2; echo LC_ALL=$LC_ALL"), dir, seen::add);

        assertEquals(List.of("hello", "oops", "LC_ALL=C"), seen);
        String log = Files.readString(steps.log());
        assertTrue(log.startsWith("key abc\n==== say hello: sh -c echo hello;"), log);
        assertTrue(log.contains("hello\noops\nLC_ALL=C\n==== say hello: exit 0 after 0:0"), log);
    }

    @Test
    void aFailedStepIsNamedWithItsExitItsLastLinesAndTheKeptLog() {
        BuildSteps steps = new BuildSteps(dir.resolve("build.log"));
        steps.note("start");

        KernelBuildException e = assertThrows(KernelBuildException.class, () -> steps.run("compile the kernel",
                List.of("sh", "-c", "for i in $(seq 1 40); do echo line $i; done; exit 2"), dir, line -> { }));

        String message = e.getMessage();
        assertTrue(message.startsWith("kernel build step 'compile the kernel' failed (exit 2) after 0:0"), message);
        assertTrue(message.contains("the last lines of its output:\n  line 16\n"), message);
        assertTrue(message.endsWith("  line 40\nThe whole log is kept at " + steps.log()), message);
        assertTrue(!message.contains("line 15\n"), message);
        assertTrue(Files.isRegularFile(steps.log()));
    }

    @Test
    void aProgramThatCannotStartIsNamed() {
        BuildSteps steps = new BuildSteps(dir.resolve("build.log"));
        steps.note("start");

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> steps.run("configure", List.of("no-such-program-kvmunit"), dir, line -> { }));

        assertTrue(e.getMessage().startsWith("kernel build step 'configure' could not start no-such-program-kvmunit"),
                e.getMessage());
    }
}
