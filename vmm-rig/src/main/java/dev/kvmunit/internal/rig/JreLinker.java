package dev.kvmunit.internal.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the small Java runtime that runs the rig server in L1 with {@code jlink}, once per
 * (JDK, module set): the result is cached, because jlink takes tens of seconds.
 */
final class JreLinker {
    /**
     * What the server, JNA (Unsafe, logging) and the engine need, and the zip file system with
     * which a test launcher run in L1 scans test jars; nothing graphical.
     */
    static final List<String> MODULES = List.of("java.base", "java.logging", "jdk.unsupported", "jdk.zipfs");

    private JreLinker() {
    }

    /** The linked runtime for {@code jdkHome} under {@code cacheDir}, made on first use. */
    static Path linked(Path jdkHome, Path cacheDir) throws IOException {
        Path jlink = jdkHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("JDK " + jdkHome + " has no bin/jlink; run the rig from a full JDK"
                    + " (not a JRE) or set the rig's jdkHome to one");
        }
        String key = CacheFiles.digest(jdkHome.toRealPath().toString(), releaseOf(jdkHome), String.join(",", MODULES));
        Path target = cacheDir.resolve("jre-" + key.substring(0, 16));
        if (Files.isExecutable(target.resolve("bin/java"))) {
            return target;
        }
        Files.createDirectories(cacheDir);
        Path staging = cacheDir.resolve(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        CacheFiles.deleteTree(staging);
        List<String> command = new ArrayList<>(List.of(jlink.toString()));
        // Debian's JDK links from jmods; JDKs without them (Temurin 24+) link from their runtime image.
        Path jmods = jdkHome.resolve("jmods");
        if (Files.isDirectory(jmods)) {
            command.addAll(List.of("--module-path", jmods.toString()));
        }
        command.addAll(List.of("--add-modules", String.join(",", MODULES), "--strip-debug", "--no-man-pages",
                "--no-header-files", "--output", staging.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("jlink failed for " + jdkHome + ": " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running jlink", e);
        }
        CacheFiles.publish(staging, target);
        return target;
    }

    private static String releaseOf(Path jdkHome) throws IOException {
        Path release = jdkHome.resolve("release");
        return Files.isRegularFile(release) ? Files.readString(release) : "";
    }
}
