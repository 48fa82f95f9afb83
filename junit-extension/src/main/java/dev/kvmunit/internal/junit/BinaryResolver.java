package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.kbuild.BuiltKernel;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Finds the host file behind a probe or scheduler name of a {@link VmTest}. In this order, the
 * first match wins:
 * <ol>
 * <li>a name containing '/' is a path (relative ones against the working directory);</li>
 * <li>system property {@code kvmunit.binary.<name>};</li>
 * <li>environment variable {@code KVMUNIT_BINARY_<NAME>}: the name upper-cased, every character
 *     other than a letter or digit replaced by '_' ({@code scx-lavd} -> {@code KVMUNIT_BINARY_SCX_LAVD});</li>
 * <li>the build output directories {@link #BUILD_OUTPUT_DIRECTORIES} under the working
 *     directory (under Surefire, the Maven module's directory), so a binary the build just made
 *     wins over an installed one;</li>
 * <li>the host's {@code PATH}, absolute entries only;</li>
 * <li>for a scheduler, when the guest boots a kernel build ({@link BuiltKernel}), that build's
 *     {@code schedulers/} directory: a name found nowhere else is one of the schedulers built with
 *     the kernel.</li>
 * </ol>
 * A path given explicitly (1-3) must be an executable regular file or resolution fails; the
 * searched places (4-5) skip what is not one, as a shell does. Nothing is read beyond file
 * metadata here: whether the file is an x86_64 program with all its libraries is decided when
 * its closure is gathered ({@link BinaryLayer}).
 */
final class BinaryResolver {
    static final String PROPERTY_PREFIX = "kvmunit.binary.";
    static final String ENV_PREFIX = "KVMUNIT_BINARY_";
    /** Searched in this order, relative to the working directory. */
    static final List<String> BUILD_OUTPUT_DIRECTORIES = List.of("target", "target/bin", "build", "build/bin");

    private final Map<String, String> env;
    private final Properties properties;
    private final Path workingDirectory;

    BinaryResolver(Map<String, String> env, Properties properties, Path workingDirectory) {
        this.env = Map.copyOf(env);
        this.properties = properties;
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
    }

    static BinaryResolver forCurrentProcess() {
        return new BinaryResolver(System.getenv(), System.getProperties(), Path.of(""));
    }

    /** The environment variable that names {@code name}'s binary. */
    static String envVariable(String name) {
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /**
     * @param role what the binary is for ("probe", "scheduler"), for messages
     * @throws GuestBinaryException when nothing usable is found, naming every place looked
     */
    ResolvedBinary resolve(String name, String role) {
        return resolve(name, role, Optional.empty());
    }

    /**
     * A scheduler, looked for last in the schedulers of the booting kernel's build, if it is one.
     *
     * @throws GuestBinaryException when nothing usable is found, naming every place looked and the
     *                              schedulers the build has
     */
    ResolvedBinary resolveScheduler(String name, Optional<BuiltKernel> bootingBuild) {
        return resolve(name, "scheduler", bootingBuild);
    }

    private ResolvedBinary resolve(String name, String role, Optional<BuiltKernel> bootingBuild) {
        if (name.isBlank()) {
            throw new GuestBinaryException("a " + role + " name is empty: give a command name such as \"stress-ng\""
                    + " or a path to a binary");
        }
        if (name.contains("/")) {
            return explicit(name, fileNameOf(name, role), role, "@VmTest");
        }
        String property = PROPERTY_PREFIX + name;
        String fromProperty = properties.getProperty(property, "");
        if (!fromProperty.isEmpty()) {
            return explicit(fromProperty, name, role, "system property " + property);
        }
        String variable = envVariable(name);
        String fromEnv = env.getOrDefault(variable, "");
        if (!fromEnv.isEmpty()) {
            return explicit(fromEnv, name, role, "env " + variable);
        }
        List<String> looked = new ArrayList<>();
        looked.add("system property " + property + " (unset)");
        looked.add("env " + variable + " (unset)");
        for (String directory : BUILD_OUTPUT_DIRECTORIES) {
            Path candidate = workingDirectory.resolve(directory).resolve(name);
            if (usable(candidate, looked)) {
                return new ResolvedBinary(role, name, candidate, "build output " + directory + "/");
            }
        }
        String path = env.getOrDefault("PATH", "");
        if (path.isEmpty()) {
            looked.add("PATH (unset)");
        }
        for (String entry : path.split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            if (!entry.startsWith("/")) {
                // Relative entries depend on where Maven was started: no place to pick guest programs from.
                looked.add("PATH entry '" + entry + "' (skipped: not absolute)");
                continue;
            }
            Path candidate = Path.of(entry).resolve(name).normalize();
            if (usable(candidate, looked)) {
                return new ResolvedBinary(role, name, candidate, "PATH");
            }
        }
        if (bootingBuild.isPresent()) {
            Path candidate = bootingBuild.get().schedulersDirectory().resolve(name);
            if (usable(candidate, looked)) {
                return new ResolvedBinary(role, name, candidate, "the booting kernel's build " + bootingBuild.get().key());
            }
        }
        String built = bootingBuild.map(build -> ". The booting kernel's build " + build.directory() + " made "
                + (build.schedulers().isEmpty() ? "no schedulers" : "only " + String.join(", ", build.schedulers())))
                .orElse("");
        throw new GuestBinaryException(role + " '" + name + "' was not found; looked at: " + String.join(", ", looked)
                + built + ". Install it on the host, build it into target/ or build/, or name the file with -D"
                + property + "=/path/to/" + name + " or " + variable + "=/path/to/" + name);
    }

    private ResolvedBinary explicit(String value, String name, String role, String origin) {
        Path file;
        try {
            file = workingDirectory.resolve(value).normalize();
        } catch (InvalidPathException e) {
            throw new GuestBinaryException(origin + " gives '" + value + "' for " + role + " '" + name
                    + "', which is not a valid path", e);
        }
        String problem = problemWith(file);
        if (problem != null) {
            throw new GuestBinaryException(origin + " gives " + file + " for " + role + " '" + name + "', which "
                    + problem);
        }
        return new ResolvedBinary(role, name, file, origin);
    }

    private static boolean usable(Path candidate, List<String> looked) {
        String problem = problemWith(candidate);
        looked.add(problem == null || !Files.exists(candidate) ? candidate.toString() : candidate + " (" + problem + ")");
        return problem == null;
    }

    /** Null when {@code file} is an executable regular file (links followed), else why not. */
    private static String problemWith(Path file) {
        if (!Files.exists(file)) {
            return "does not exist";
        }
        if (!Files.isRegularFile(file)) {
            return Files.isDirectory(file) ? "is a directory, not a regular file" : "is not a regular file";
        }
        if (!Files.isExecutable(file)) {
            return "is not executable: chmod +x it";
        }
        return null;
    }

    private static String fileNameOf(String path, String role) {
        Path fileName = Path.of(path).getFileName();
        if (fileName == null) {
            throw new GuestBinaryException("the " + role + " path '" + path + "' names no file");
        }
        return fileName.toString();
    }
}
