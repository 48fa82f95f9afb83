package dev.kvmunit.internal.rig;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to build and run the nested rig.
 *
 * @param l1Kernel       the kernel L1 boots (a Debian cloud kernel whose kvm modules load under TCG)
 * @param l1Modules      that kernel's {@code lib/modules/<release>} directory
 * @param engine         the launcher inside L1: {@code kvmunit} (our engine) or {@code qemu}
 * @param qemuMachine    machine model for QEMU inside L1: {@code microvm} or {@code q35}
 * @param qemu           the host's {@code qemu-system-x86_64}; it runs L1, and is copied into L1
 *                       when the engine there is QEMU
 * @param jdkHome        the JDK whose jlink makes L1's runtime
 * @param classpath      jars and class directories that L1's server runs with
 * @param cacheDirectory where the linked runtime and the L1 initramfs are cached
 * @param l1MemoryMb     L1's RAM; L2 guests and the blob cache live in it
 * @param bootTimeout    the longest L1 may take from QEMU start to READY
 * @param requestMargin  how long beyond a request's own timeout L1 may stay silent before it
 *                       is declared hung and killed
 */
public record RigConfig(Path l1Kernel, Path l1Modules, String engine, String qemuMachine, Path qemu, Path jdkHome,
                        List<Path> classpath, Path cacheDirectory, int l1MemoryMb, Duration bootTimeout,
                        Duration requestMargin) {
    public RigConfig {
        Objects.requireNonNull(l1Kernel, "l1Kernel");
        Objects.requireNonNull(l1Modules, "l1Modules");
        if (!engine.equals("kvmunit") && !engine.equals("qemu")) {
            throw new IllegalArgumentException("rig engine '" + engine + "' is unknown; use kvmunit or qemu");
        }
        if (!qemuMachine.equals("microvm") && !qemuMachine.equals("q35")) {
            throw new IllegalArgumentException("rig QEMU machine '" + qemuMachine + "' is unknown; use microvm or q35");
        }
        classpath = List.copyOf(classpath);
        if (l1MemoryMb < 1024) {
            throw new IllegalArgumentException("L1 needs at least 1024 MiB for its runtime and L2 guests, got "
                    + l1MemoryMb);
        }
    }

    /** Where Debian's qemu-system-x86 installs QEMU. */
    public static final Path DEFAULT_QEMU = Path.of("/usr/bin/qemu-system-x86_64");

    /** Defaults: our engine, the host's QEMU, this JVM's JDK and classpath, the XDG cache, 3 GiB L1. */
    public static RigConfig of(Path l1Kernel, Path l1Modules) {
        return new RigConfig(l1Kernel, l1Modules, "kvmunit", "microvm", DEFAULT_QEMU,
                Path.of(System.getProperty("java.home")), ServerClasspath.current(), CacheFiles.defaultDirectory(),
                3072, Duration.ofMinutes(5), Duration.ofMinutes(2));
    }

    public RigConfig withEngine(String engine) {
        return new RigConfig(l1Kernel, l1Modules, engine, qemuMachine, qemu, jdkHome, classpath, cacheDirectory,
                l1MemoryMb, bootTimeout, requestMargin);
    }

    public RigConfig withQemuMachine(String qemuMachine) {
        return new RigConfig(l1Kernel, l1Modules, engine, qemuMachine, qemu, jdkHome, classpath, cacheDirectory,
                l1MemoryMb, bootTimeout, requestMargin);
    }

    /** This config with more jars or class directories on L1's classpath (for {@link RigLauncher#runJava}). */
    public RigConfig withMoreClasspath(List<Path> entries) {
        List<Path> more = new ArrayList<>(classpath);
        entries.stream().filter(entry -> !more.contains(entry)).forEach(more::add);
        return new RigConfig(l1Kernel, l1Modules, engine, qemuMachine, qemu, jdkHome, more, cacheDirectory,
                l1MemoryMb, bootTimeout, requestMargin);
    }

    public RigConfig withCacheDirectory(Path cacheDirectory) {
        return new RigConfig(l1Kernel, l1Modules, engine, qemuMachine, qemu, jdkHome, classpath, cacheDirectory,
                l1MemoryMb, bootTimeout, requestMargin);
    }

    public RigConfig withTimeouts(Duration bootTimeout, Duration requestMargin) {
        return new RigConfig(l1Kernel, l1Modules, engine, qemuMachine, qemu, jdkHome, classpath, cacheDirectory,
                l1MemoryMb, bootTimeout, requestMargin);
    }

    /** True when L1 needs QEMU and its firmware packed into its image. */
    boolean packsQemu() {
        return engine.equals("qemu");
    }

    /** Fails naming the first missing input, before minutes are spent building and booting. */
    void requireInputs() {
        requireFile(l1Kernel, "L1 kernel");
        if (!Files.isDirectory(l1Modules)) {
            throw new IllegalArgumentException("L1 modules directory " + l1Modules + " does not exist; pass the"
                    + " kernel's lib/modules/<release> directory");
        }
        if (!Files.isExecutable(qemu)) {
            throw new IllegalArgumentException("QEMU " + qemu + " is missing; install qemu-system-x86");
        }
        for (Path entry : classpath) {
            if (!Files.exists(entry)) {
                throw new IllegalArgumentException("rig classpath entry " + entry + " does not exist"
                        + " (classpath: " + String.join(File.pathSeparator, classpath.stream().map(Path::toString)
                        .toList()) + ")");
            }
        }
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " " + file + " does not exist or is not a file");
        }
    }
}
