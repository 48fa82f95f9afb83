package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.KernelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a build's {@code .config} into its output directory, the kernel tree untouched
 * ({@code make O=}): {@code tinyconfig} (the smallest kernel kbuild makes), then
 * {@code kvm_guest.config} (what a KVM guest needs), then the fragments merged in order with
 * {@code scripts/kconfig/merge_config.sh -m}, then {@code olddefconfig} to settle dependencies;
 * last it checks that every fragment option survived ({@link ConfigCheck}).
 */
final class KernelConfigurator {
    private final BuildSteps steps;
    private final BuildProgress progress;

    KernelConfigurator(BuildSteps steps, BuildProgress progress) {
        this.steps = steps;
        this.progress = progress;
    }

    /** {@code make -C source O=out ARCH=x86_64 args...}: every kbuild invocation of a build. */
    static List<String> make(Path source, Path out, String... args) {
        List<String> command = new ArrayList<>(List.of("make", "-C", source.toString(), "O=" + out, "ARCH=x86_64"));
        command.addAll(List.of(args));
        return command;
    }

    /** @return the checked configuration, also in {@code out/.config} */
    KernelConfig configure(Path source, Path out, List<Fragment> fragments) throws IOException {
        Files.createDirectories(out);
        run("make tinyconfig", make(source, out, "tinyconfig"), out);
        run("make kvm_guest.config", make(source, out, "kvm_guest.config"), out);
        List<String> merge = new ArrayList<>(List.of(source.resolve("scripts/kconfig/merge_config.sh").toString(),
                "-m", ".config"));
        Path fragmentDir = Files.createDirectories(out.resolve("kvmunit-fragments"));
        for (int i = 0; i < fragments.size(); i++) {
            Path copy = fragmentDir.resolve(String.format(Locale.ROOT, "%02d.config", i));
            Files.write(copy, fragments.get(i).bytes());
            merge.add(copy.toString());
        }
        run("merge the fragments (merge_config.sh -m)", merge, out);
        run("make olddefconfig", make(source, out, "olddefconfig"), out);
        KernelConfig config = KernelConfig.read("the new build", out.resolve(".config"));
        ConfigCheck.requireSurvived(fragments, config);
        return config;
    }

    private void run(String step, List<String> command, Path cwd) {
        progress.status(step);
        steps.run("configure: " + step, command, cwd, line -> { });
    }
}
