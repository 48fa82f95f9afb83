package dev.kvmunit.internal.junit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Compiles the small C programs and libraries the binary tests need (gcc is a build requirement). */
final class Gcc {
    private Gcc() {
    }

    /** Compiles {@code source} into {@code output} with the extra gcc arguments. */
    static Path compile(Path directory, String source, Path output, String... arguments) throws IOException,
            InterruptedException {
        Path file = Files.writeString(Files.createTempFile(directory, "source", ".c"), source);
        List<String> command = new ArrayList<>(List.of("gcc", "-o", output.toString(), file.toString()));
        command.addAll(List.of(arguments));
        Process gcc = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + log);
        }
        return output;
    }
}
