package dev.kvmunit.internal.kbuild;

import java.nio.file.Path;

/**
 * Where a kernel build's source comes from: Debian's {@code linux-source-6.12} package
 * ({@link DebianKernelSource}) or a tree given by the user ({@link KernelSourceTree}).
 */
public sealed interface KernelSource permits DebianKernelSource, KernelSourceTree {

    /**
     * What decides the tree's content, one line for the cache key and the build's record:
     * the package and version, or the tree's version, commit and changes (see the implementations).
     */
    String identity();

    /**
     * The source tree to build from, fetched or unpacked below {@code workDir} when it has to be.
     * The tree itself is never written to: the build goes to a separate output directory.
     *
     * @param workDir an empty directory the build may use and deletes afterwards
     * @param steps    runs and logs commands
     * @param progress told what is being done
     */
    Path prepare(Path workDir, BuildSteps steps, BuildProgress progress);
}
