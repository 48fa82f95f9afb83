package dev.kvmunit.vmm.rig;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The jars and class directories of the running JVM, which L1's server must run with too.
 * Under Surefire {@code java.class.path} can be a manifest-only booter jar whose manifest
 * {@code Class-Path} lists the real entries; Surefire also publishes the test classpath in
 * {@code surefire.test.class.path}.
 */
final class RuntimeClasspath {
    private RuntimeClasspath() {
    }

    static List<Path> current() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Set<Path> entries = new LinkedHashSet<>();
        for (String element : classpath.split(File.pathSeparator)) {
            if (!element.isBlank()) {
                add(Path.of(element).toAbsolutePath().normalize(), entries);
            }
        }
        return List.copyOf(entries);
    }

    private static void add(Path entry, Set<Path> entries) {
        if (!Files.exists(entry) || !entries.add(entry) || !entry.toString().endsWith(".jar")) {
            return;
        }
        for (Path referenced : manifestClassPath(entry)) {
            add(referenced, entries);
        }
    }

    private static List<Path> manifestClassPath(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String value = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (value == null || value.isBlank()) {
                return List.of();
            }
            URI base = jar.toUri();
            return Arrays.stream(value.trim().split("\\s+"))
                    .map(ref -> Path.of(base.resolve(ref)).normalize()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of classpath jar " + jar, e);
        }
    }
}
