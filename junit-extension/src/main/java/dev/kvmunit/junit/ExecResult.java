package dev.kvmunit.junit;


import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a command ended and what it printed.
 *
 * @param exitCode        the exit status, or -1 when the command was killed by a signal
 * @param signal          the signal that killed it, 0 when it exited
 * @param stdout          captured standard output (up to a limit of the agent, 16 MiB)
 * @param stderr          captured standard error (likewise)
 * @param timedOut        true when the guest killed it for exceeding the request's timeout
 * @param outputTruncated true when either stream exceeded the capture limit; the listener of a
 *                        streaming exec still saw every byte
 */
public record ExecResult(int exitCode, int signal, byte[] stdout, byte[] stderr, boolean timedOut,
                         boolean outputTruncated) {


    public ExecResult {
        stdout = stdout.clone();
        stderr = stderr.clone();
    }

    /** True when the command exited with status 0. */
    public boolean succeeded() {
        return signal == 0 && exitCode == 0;
    }

    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }


    @Override
    public boolean equals(Object other) {
        return other instanceof ExecResult r && r.exitCode == exitCode && r.signal == signal
                && Arrays.equals(r.stdout, stdout) && Arrays.equals(r.stderr, stderr) && r.timedOut == timedOut
                && r.outputTruncated == outputTruncated;
    }

    @Override
    public int hashCode() {
        return ((exitCode * 31 + signal) * 31 + Arrays.hashCode(stdout)) * 31 + Arrays.hashCode(stderr)
                + (timedOut ? 1 : 0) + (outputTruncated ? 2 : 0);
    }

    @Override
    public String toString() {
        String how = timedOut ? "timed out (killed by signal " + signal + ")"
                : signal != 0 ? "killed by signal " + signal : "exit code " + exitCode;
        return "ExecResult[" + how + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes"
                + (outputTruncated ? ", output truncated" : "") + "]";
    }
}
