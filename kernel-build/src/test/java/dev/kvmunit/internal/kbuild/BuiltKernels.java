package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Fake kernel build directories, laid out as {@link KernelBuild} publishes them. */
final class BuiltKernels {
    private BuiltKernels() {
    }

    static BuiltKernel write(Path dir, String release, List<String> schedulers) throws IOException {
        Files.createDirectories(dir.resolve(BuiltKernel.SCHEDULERS));
        Files.writeString(dir.resolve(BuiltKernel.IMAGE), "not really a bzImage");
        Files.writeString(dir.resolve(BuiltKernel.CONFIG), "CONFIG_SCHED_CLASS_EXT=y\n");
        Files.writeString(dir.resolve(BuiltKernel.RELEASE), release + "\n");
        Files.writeString(dir.resolve(BuiltKernel.INFO), "key=" + dir.getFileName() + "\n");
        Files.writeString(dir.resolve(BuiltKernel.SCHEDULERS).resolve(BuiltKernel.RELEASE), release + "\n");
        for (String scheduler : schedulers) {
            Path binary = Files.writeString(dir.resolve(BuiltKernel.SCHEDULERS).resolve(scheduler), "#!/bin/true\n");
            binary.toFile().setExecutable(true);
        }
        return new BuiltKernel(dir);
    }
}
