package dev.kvmunit.samples;

import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;
import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The first tests to copy: boot a kernel, run commands in it, move files in and out. */
class HelloKernelTest {

    @VmTest
    void bootsTheResolvedKernel(Guest guest) {
        ExecResult uname = guest.run("uname", "-r");
        assertEquals(guest.resolvedKernelRelease(), uname.stdoutText().strip());
        assertEquals(guest.resolvedKernelRelease(), guest.kernelRelease());
    }

    @VmTest
    void streamsOutputLineByLine(Guest guest) throws Exception {
        // The command prints a line, then waits for a file that the test writes only after
        // it has received that line: it can finish only if output streams while it runs.
        ExecRequest request = ExecRequest.of("sh", "-c",
                        "echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo second")
                .withTimeout(Duration.ofSeconds(60));
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstLine = new CountDownLatch(1);
        CompletableFuture<ExecResult> running = CompletableFuture.supplyAsync(() -> guest.exec(request,
                ExecListener.lines((stream, line) -> {
                    lines.add(line);
                    firstLine.countDown();
                })));
        assertTrue(firstLine.await(60, TimeUnit.SECONDS), "no line arrived while the command was running");
        assertFalse(running.isDone(), "the command ended before the host let it");
        guest.writeString("/tmp/go", "");
        ExecResult result = running.get(60, TimeUnit.SECONDS);
        assertEquals(0, result.exitCode(), result.stderrText());
        assertEquals(List.of("first", "second"), lines);
    }

    @VmTest
    void failingCommandFailsWithItsStderr(Guest guest) {
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> guest.run("sh", "-c", "echo 'disk on fire' >&2; exit 3"));
        assertTrue(failure.getMessage().contains("exited with status 3"), failure.getMessage());
        assertTrue(failure.getMessage().contains("disk on fire"), failure.getMessage());
    }

    @VmTest
    void fileWrittenByTheTestIsReadInTheGuest(Guest guest) {
        guest.writeString("/tmp/greeting.txt", "hello from the host\n");
        assertEquals("hello from the host\n", guest.run("cat", "/tmp/greeting.txt").stdoutText());
        guest.run("sh", "-c", "tr a-z A-Z < /tmp/greeting.txt > /tmp/shout.txt");
        assertEquals("HELLO FROM THE HOST\n", guest.readString("/tmp/shout.txt"));
    }

    @VmTest(cpus = 4)
    void fourCpusAreVisible(Guest guest) {
        assertEquals(4, guest.cpus());
        assertEquals("4", guest.run("nproc").stdoutText().strip());
        assertEquals("0-3", guest.readString("/sys/devices/system/cpu/online").strip());
    }
}
