package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the example schedulers of the tree's {@code tools/sched_ext} (in 6.12: scx_simple,
 * scx_qmap, scx_central, scx_flatcg) against the kernel just built: first the bootstrap bpftool
 * ({@code make -C tools/bpf/bpftool bootstrap}, which needs neither llvm-strip nor LLVM's
 * libraries, unlike the full bpftool sched_ext's Makefile would build), then
 * {@code make -C tools/sched_ext CLANG=clang-19 BPFTOOL=<bootstrap> VMLINUX_BTF=<vmlinux> O=<dir>},
 * whose BPF programs are compiled with clang against the new vmlinux's BTF. The binaries link
 * the host's libelf and zlib dynamically; kvmunit puts those into the guest with the binary.
 */
final class SchedulerBuild {
    /**
     * Objects the two steps compile (libbpf twice, bootstrap bpftool, four schedulers), counted
     * as {@link BuildProgress} counts: the progress estimate of a first build.
     */
    static final int OBJECTS_6_12 = 79;

    private final BuildSteps steps;
    private final BuildProgress progress;

    SchedulerBuild(BuildSteps steps, BuildProgress progress) {
        this.steps = steps;
        this.progress = progress;
    }

    /**
     * @param source    the kernel tree
     * @param kernelOut the kernel's output directory, with vmlinux
     * @param work      an empty directory for the tools' output
     * @return the built schedulers
     */
    List<Path> build(Path source, Path kernelOut, Path work, int jobs) throws IOException {
        Path bpftoolOut = Files.createDirectories(work.resolve("bpftool"));
        Path schedOut = Files.createDirectories(work.resolve("sched_ext"));
        Path bpftool = bpftoolOut.resolve("bootstrap/bpftool");
        steps.run("schedulers: bootstrap bpftool (make -C tools/bpf/bpftool bootstrap)",
                List.of("make", "-C", source.resolve("tools/bpf/bpftool").toString(), "OUTPUT=" + bpftoolOut + "/",
                        "-j" + jobs, "bootstrap"), work, progress);
        steps.run("schedulers: make -C tools/sched_ext",
                List.of("make", "-C", source.resolve("tools/sched_ext").toString(), "CLANG=" + Toolchain.CLANG,
                        "BPFTOOL=" + bpftool, "VMLINUX_BTF=" + kernelOut.resolve("vmlinux"), "O=" + schedOut,
                        "-j" + jobs), work, progress);
        Path bin = schedOut.resolve("build/bin");
        List<Path> schedulers = new ArrayList<>();
        if (Files.isDirectory(bin)) {
            try (Stream<Path> files = Files.list(bin)) {
                files.filter(Files::isExecutable).sorted().forEach(schedulers::add);
            }
        }
        if (schedulers.isEmpty()) {
            throw new KernelBuildException("make -C tools/sched_ext succeeded but left no scheduler in " + bin
                    + "; see the log " + steps.log());
        }
        return schedulers;
    }
}
