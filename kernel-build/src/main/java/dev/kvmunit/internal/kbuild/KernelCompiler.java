package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compiles the configured kernel: {@code make bzImage} in the output directory, which makes
 * {@code vmlinux} (with BTF from pahole) on the way, with one job per CPU and progress counted
 * by objects.
 */
final class KernelCompiler {
    /**
     * Objects a build of kvmunit's fragment on Debian's 6.12 compiles, counted as
     * {@link BuildProgress} counts: the progress estimate of a first build.
     */
    static final int OBJECTS_6_12 = 1196;

    private final BuildSteps steps;
    private final BuildProgress progress;

    /** @param progress counts against the expected number of objects */
    KernelCompiler(BuildSteps steps, BuildProgress progress) {
        this.steps = steps;
        this.progress = progress;
    }

    /** @return the kernel's release, {@code uname -r} in the guest */
    String compile(Path source, Path out, int jobs) throws IOException {
        steps.run("compile the kernel (make bzImage)", KernelConfigurator.make(source, out, "-j" + jobs, "bzImage"), out,
                progress);
        return Files.readString(out.resolve("include/config/kernel.release"), StandardCharsets.US_ASCII).strip();
    }

    static Path image(Path out) {
        return out.resolve("arch/x86/boot/bzImage");
    }
}
