package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Runs commands as child processes, reading stdout and stderr concurrently so neither pipe fills up. */
final class ProcessCommandRunner implements CommandRunner {

    /** Start failures (program missing) are IOExceptions; anything later is a KernelException. */
    @Override
    public Result run(List<String> command, Path workingDir) throws IOException {
        Process process = new ProcessBuilder(command).directory(workingDir.toFile()).start();
        process.getOutputStream().close(); // nothing to say to it; apt must never wait for input
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = readAll(process.getInputStream());
        try {
            int exit = process.waitFor();
            return new Result(exit, stdout, stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new KernelException("interrupted while waiting for " + command.get(0), e);
        } catch (CompletionException e) {
            throw new KernelException("cannot read the error output of " + command.get(0), e.getCause());
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
