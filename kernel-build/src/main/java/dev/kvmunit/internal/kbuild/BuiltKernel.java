package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.KernelConfig;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One finished kernel build in the {@link KernelBuildCache}, a directory named by its
 * {@link BuildKey}:
 * <pre>
 *   bzImage  vmlinux  .config  kernel.release  build-info  build.log
 *   schedulers/scx_simple ...  schedulers/kernel.release
 * </pre>
 * {@code .config} sits beside {@code bzImage} as in a kernel tree, so the bzImage given as a path
 * ({@code -Dkvmunit.kernel=.../bzImage}) resolves with its config too. {@code schedulers/kernel.release}
 * records the kernel the schedulers were compiled against (their BPF programs are built from that
 * kernel's BTF).
 */
public record BuiltKernel(Path directory) {
    static final String IMAGE = "bzImage";
    static final String VMLINUX = "vmlinux";
    static final String CONFIG = ".config";
    static final String RELEASE = "kernel.release";
    static final String INFO = "build-info";
    static final String LOG = "build.log";
    static final String SCHEDULERS = "schedulers";

    /** The cache key this build was made under, its directory's name. */
    public String key() {
        return directory.getFileName().toString();
    }

    public Path image() {
        return directory.resolve(IMAGE);
    }

    /** The ELF kernel with debug info and BTF. */
    public Path vmlinux() {
        return directory.resolve(VMLINUX);
    }

    public Path config() {
        return directory.resolve(CONFIG);
    }

    /** {@code uname -r} of the kernel. */
    public String release() {
        return readLine(directory.resolve(RELEASE));
    }

    public Path schedulersDirectory() {
        return directory.resolve(SCHEDULERS);
    }

    /** The schedulers this build produced, by name, sorted. */
    public List<String> schedulers() {
        Path dir = schedulersDirectory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> Files.isRegularFile(f) && Files.isExecutable(f))
                    .map(f -> f.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new KernelBuildException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The release the schedulers were compiled against. */
    public String schedulersRelease() {
        return readLine(schedulersDirectory().resolve(RELEASE));
    }

    /** The kernel as the launcher boots it: the bzImage, with its config and no modules. */
    public ResolvedKernel resolved(String origin) {
        String release = release();
        return new ResolvedKernel(image(), release, Optional.empty(), Optional.of(KernelConfig.read(release, config())),
                origin);
    }

    /** Whether the directory holds a finished build (entries appear complete, so the image says it). */
    boolean isComplete() {
        return Files.isRegularFile(image()) && Files.isRegularFile(directory.resolve(RELEASE));
    }

    /** The build whose {@code bzImage} (or {@code vmlinux}) this is, if it is one. */
    public static Optional<BuiltKernel> ofImage(Path image) {
        Path dir = image.toAbsolutePath().normalize().getParent();
        return dir == null ? Optional.empty() : Optional.of(new BuiltKernel(dir)).filter(BuiltKernel::hasInfo);
    }

    /** The build whose {@code schedulers/} directory holds this binary, if one does. */
    public static Optional<BuiltKernel> ofScheduler(Path binary) {
        Path dir = binary.toAbsolutePath().normalize().getParent();
        if (dir == null || dir.getParent() == null || !dir.getFileName().toString().equals(SCHEDULERS)) {
            return Optional.empty();
        }
        return Optional.of(new BuiltKernel(dir.getParent())).filter(BuiltKernel::hasInfo);
    }

    private boolean hasInfo() {
        return Files.isRegularFile(directory.resolve(INFO)) && Files.isRegularFile(directory.resolve(RELEASE));
    }

    private static String readLine(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new KernelBuildException("cannot read " + file + " (an incomplete kernel build? delete its directory):"
                    + " " + e.getMessage(), e);
        }
    }
}
