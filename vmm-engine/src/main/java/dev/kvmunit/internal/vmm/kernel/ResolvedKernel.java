package dev.kvmunit.internal.vmm.kernel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The kernel a VM will boot, with what is known about it.
 *
 * @param image      bzImage or ELF vmlinux
 * @param release    kernel release ({@code uname -r} inside the guest), e.g. 6.12.117+deb12-cloud-amd64
 * @param modulesDir {@code lib/modules/RELEASE} of this kernel, when there is one
 * @param config     its build configuration, when one was found
 * @param origin     where the choice came from (e.g. "env KVMUNIT_KERNEL"), for messages and reports
 */
public record ResolvedKernel(Path image, String release, Optional<Path> modulesDir, Optional<KernelConfig> config,
                             String origin) {
    public ResolvedKernel {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(modulesDir, "modulesDir");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(origin, "origin");
    }

    /** The index of this kernel's modules. */
    public ModuleIndex modules() {
        return ModuleIndex.load(release, modulesDir.orElseThrow(() -> new KernelException("kernel " + release
                + " (" + image + ", " + origin + ") has no module directory: use a kernel with lib/modules/" + release
                + " next to it, or one with the needed drivers built in")));
    }

    /**
     * Demands configuration options (see {@link KernelConfig#require}); a kernel without a
     * known config cannot prove it has them, which is an error too.
     */
    public void require(String... options) {
        config.orElseThrow(() -> new MissingKernelOptionException(release,
                        Arrays.stream(options).map(KernelConfig::key).toList(),
                "kernel " + release + " (" + image + ") has no config-" + release + " or .config next to it, so "
                        + String.join(", ", options) + " cannot be checked: put its config beside the image"))
                .require(options);
    }
}
