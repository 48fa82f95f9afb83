package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.FrameCodec;
import dev.kvmunit.junit.ExecListener;
import dev.kvmunit.junit.ExecRequest;
import dev.kvmunit.junit.ExecResult;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol end to end: the Java client against the real kvmunit-init in host test mode.
 * Every test is bounded by {@link Timeout}, so a protocol deadlock fails instead of hanging.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuestInitProtocolTest {
    @TempDir
    Path tempDir;

    private HostModeInit init;
    private TextTranscript transcript;
    private GuestAgent agent;

    @BeforeEach
    void startInit() throws IOException {
        init = HostModeInit.start(tempDir);
        transcript = new TextTranscript();
        agent = init.agent(transcript);
    }

    @AfterEach
    void stopInit() throws Exception {
        agent.close();
        init.close();
    }

    @Test
    void helloDescribesTheMachineTheInitRunsOn() throws IOException {
        Hello hello = agent.hello();
        assertEquals(System.getProperty("os.version"), hello.kernelRelease());
        assertTrue(hello.cpusOnline() >= 1, "cpus online: " + hello.cpusOnline());
        assertTrue(hello.memoryBytes() > 0, "memory: " + hello.memoryBytes());
        assertEquals(FrameCodec.MAX_PAYLOAD, hello.maxPayload());
    }

    @Test
    void execCapturesBothStreamsAndTheExitCode() throws IOException {
        ExecResult result = agent.exec("sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, result.exitCode());
        assertEquals(0, result.signal());
        assertFalse(result.timedOut());
        assertFalse(result.succeeded());
        assertEquals("out\n", result.stdoutText());
        assertEquals("err\n", result.stderrText());
    }

    @Test
    void execReportsTheSignalThatKilledTheCommand() throws IOException {
        ExecResult result = agent.exec("sh", "-c", "kill -TERM $$");
        assertEquals(15, result.signal());
        assertEquals(-1, result.exitCode());
        assertFalse(result.timedOut());
    }

    @Test
    void execFeedsStdinLargerThanAPipeBuffer() throws IOException {
        byte[] input = new byte[300 * 1024];
        new Random(42).nextBytes(input);
        ExecResult result = agent.exec(ExecRequest.of("cat").withStdin(input));
        assertEquals(0, result.exitCode());
        assertArrayEquals(input, result.stdout());
    }

    @Test
    void execAppliesEnvironmentAndWorkingDirectory() throws IOException {
        ExecResult result = agent.exec(ExecRequest.of("sh", "-c", "echo \"$KVMUNIT_GREETING\"; pwd")
                .withEnv("KVMUNIT_GREETING", "hello guest")
                .withCwd(tempDir.toString()));
        assertEquals("hello guest\n" + tempDir.toRealPath() + "\n", result.stdoutText());
    }

    @Test
    void outputStreamsWhileTheCommandIsStillRunning() throws IOException {
        // The command prints, then waits for a file that the test creates only when that first
        // line has arrived: if output were delivered only at exit, this would never finish.
        Path go = tempDir.resolve("go");
        List<String> lines = new CopyOnWriteArrayList<>();
        ExecListener listener = ExecListener.lines((stream, line) -> {
            lines.add(stream + ":" + line);
            if (line.equals("first")) {
                try {
                    Files.createFile(go);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        });
        ExecResult result = agent.exec(ExecRequest.of("sh", "-c",
                "echo first; while [ ! -e '" + go + "' ]; do sleep 0.02; done; echo second; echo third >&2")
                .withTimeout(Duration.ofSeconds(30)), listener);
        assertFalse(result.timedOut(), "the first line did not arrive while the command ran");
        assertEquals(List.of("STDOUT:first", "STDOUT:second", "STDERR:third"), lines);
    }

    @Test
    void timeoutKillsTheCommandAndWhatItStarted() throws IOException {
        ExecResult result = agent.exec(ExecRequest.of("sh", "-c", "sleep 60 & echo $!; sleep 60")
                .withTimeout(Duration.ofMillis(300)));
        assertTrue(result.timedOut());
        assertEquals(9, result.signal());
        long background = Long.parseLong(result.stdoutText().trim());
        awaitProcessGone(background);
    }

    @Test
    void orphansAreReaped() throws IOException {
        Path go = tempDir.resolve("go");
        ExecResult result = agent.exec("sh", "-c",
                "(while [ ! -e '" + go + "' ]; do sleep 0.02; done) >/dev/null 2>&1 & echo $!");
        assertEquals(0, result.exitCode());
        long orphan = Long.parseLong(result.stdoutText().trim());
        // Its parent exited, so the orphan now belongs to the init (a subreaper in host mode,
        // PID 1 in a guest); unless the init reaps it, it stays in /proc as a zombie for good.
        assertEquals(init.pid(), parentOf(orphan));
        Files.createFile(go);
        awaitProcessGone(orphan);
    }

    @Test
    void signalReachesTheCommandAndWhatItStarted() throws Exception {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        RunningCommand command = agent.start(ExecRequest.of("sh", "-c",
                "trap 'echo stopping; exit 7' TERM; echo ready; while :; do sleep 0.05; done")
                .withTimeout(Duration.ofSeconds(30)), ExecListener.lines((stream, line) -> {
                    if (line.equals("ready")) {
                        ready.complete(null);
                    }
                }));
        ready.get();
        assertTrue(command.signal(RunningCommand.SIGTERM));
        ExecResult result = command.result().get();
        assertFalse(result.timedOut(), "the signal did not arrive");
        assertEquals(7, result.exitCode(), "the shell's TERM trap decides the exit status");
        assertEquals("ready\nstopping\n", result.stdoutText());
        assertFalse(command.signal(RunningCommand.SIGKILL), "an ended command cannot be signalled");
    }

    @Test
    void commandsRunConcurrently() throws Exception {
        Path flag = tempDir.resolve("flag");
        CompletableFuture<ExecResult> waiter = agent.execAsync(ExecRequest.of("sh", "-c",
                "while [ ! -e '" + flag + "' ]; do sleep 0.02; done; echo released")
                .withTimeout(Duration.ofSeconds(30)), null);
        assertEquals(0, agent.exec("touch", flag.toString()).exitCode());
        ExecResult released = waiter.get();
        assertFalse(released.timedOut(), "the second command did not run while the first waited");
        assertEquals("released\n", released.stdoutText());
    }

    @Test
    void manyThreadsShareOneAgent() throws Exception {
        List<CompletableFuture<ExecResult>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return agent.exec("sh", "-c", "echo " + n + "; echo e" + n + " >&2");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (int i = 0; i < results.size(); i++) {
            ExecResult result = results.get(i).get();
            assertEquals(i + "\n", result.stdoutText());
            assertEquals("e" + i + "\n", result.stderrText());
        }
    }

    @Test
    void writtenFilesReadBackIdenticallyAcrossManyFrames() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        Path file = tempDir.resolve("data.bin");
        agent.writeFile(file.toString(), data, 0600);
        assertArrayEquals(data, Files.readAllBytes(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertArrayEquals(data, agent.readFile(file.toString()));
    }

    @Test
    void writingAnExistingFileReplacesItsContentsAndKeepsItsMode() throws IOException {
        Path file = tempDir.resolve("existing.txt");
        Files.writeString(file, "a much longer original content");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        agent.writeFile(file.toString(), "new".getBytes(StandardCharsets.UTF_8), 0777);
        assertEquals("new", Files.readString(file));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        agent.writeFile(file.toString(), new byte[0]);
        assertEquals(0, Files.size(file));
    }

    @Test
    void missingFileIsAnIoErrorWithTheGuestErrno() {
        GuestException e = assertThrows(GuestException.class,
                () -> agent.readFile(tempDir.resolve("absent").toString()));
        assertEquals(ErrorCode.IO, e.code());
        assertEquals(2, e.errno()); // ENOENT
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void readFileRefusesFilesOverTheLimit() throws IOException {
        Path file = tempDir.resolve("big.txt");
        Files.write(file, new byte[100]);
        assertEquals(100, agent.readFile(file.toString(), 100).length);
        GuestException e = assertThrows(GuestException.class, () -> agent.readFile(file.toString(), 99));
        assertEquals(ErrorCode.FILE_TOO_LARGE, e.code());
    }

    @Test
    void commandsThatCannotStartAreErrorsNotExitCodes() {
        GuestException missing = assertThrows(GuestException.class, () -> agent.exec("kvmunit-no-such-command"));
        assertEquals(ErrorCode.EXEC_FAILED, missing.code());
        assertEquals(2, missing.errno());
        GuestException badCwd = assertThrows(GuestException.class,
                () -> agent.exec(ExecRequest.of("true").withCwd(tempDir.resolve("nowhere").toString())));
        assertEquals(ErrorCode.EXEC_FAILED, badCwd.code());
        assertTrue(badCwd.getMessage().contains("nowhere"), badCwd.getMessage());
    }

    @Test
    void transcriptRecordsFramesInBothDirections() throws IOException {
        agent.hello();
        agent.exec("echo", "transcribed");
        String text = transcript.text();
        assertTrue(text.contains("< HELLO id=0"), text);
        assertTrue(text.contains("> EXEC id=1"), text);
        assertTrue(text.contains("< STDOUT id=1 len=12 \"transcribed\\n\""), text);
        assertTrue(text.contains("< EXIT id=1"), text);
    }

    @Test
    void powerOffEndsTheInit() throws Exception {
        agent.hello();
        agent.powerOff();
        assertEquals(0, init.closeChannelAndWait(), "exit status after POWER_OFF");
        assertTrue(init.console().contains("kvmunit-init: serving requests"), init.console());
    }

    private static long parentOf(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("PPid:"))
                .mapToLong(line -> Long.parseLong(line.substring(5).trim()))
                .findFirst().orElseThrow();
    }

    /** Waits until a process no longer exists; a zombie that nobody reaps fails the test. */
    private static void awaitProcessGone(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Files.exists(proc)) {
            if (System.nanoTime() > deadline) {
                String status = Files.exists(proc) ? Files.readString(proc.resolve("status")).lines()
                        .filter(l -> l.startsWith("State:")).findFirst().orElse("?") : "gone";
                throw new AssertionError("process " + pid + " still exists: " + status);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
