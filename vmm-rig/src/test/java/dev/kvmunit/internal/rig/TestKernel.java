package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.kernel.KernelProvisioner;
import dev.kvmunit.internal.vmm.kernel.KernelTree;
import dev.kvmunit.internal.vmm.kernel.VersionPrefix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A kernel for the rig tests: its bzImage, its release and its modules directory. They are the
 * unpacked Debian packages ({@code dpkg-deb -x}) named in the system property {@value #PROPERTY}
 * (comma-separated), or else the newest Debian 6.12 and 6.1 cloud kernels, provisioned into the
 * kernel cache like any other kernel.
 */
record TestKernel(Path image, String release, Path modules) {
    static final String PROPERTY = "kvmunit.rig.kernels";
    private static final List<String> DEFAULT_SERIES = List.of("6.12", "6.1");
    private static List<TestKernel> configured;

    static synchronized List<TestKernel> configured() {
        if (configured == null) {
            String value = System.getProperty(PROPERTY, "");
            configured = value.isBlank() ? provisioned() : Arrays.stream(value.split(",")).map(String::strip)
                    .filter(s -> !s.isEmpty()).map(Path::of).map(TestKernel::fromPackageRoot).toList();
        }
        return configured;
    }

    private static List<TestKernel> provisioned() {
        KernelProvisioner provisioner = KernelProvisioner.forCurrentUser();
        return DEFAULT_SERIES.stream().map(series -> {
            KernelTree tree = provisioner.provision(new VersionPrefix(series));
            Path modules = tree.modulesDir().orElseThrow(() -> new IllegalStateException(
                    "provisioned kernel " + tree.root() + " has no modules directory"));
            return new TestKernel(tree.image(), tree.release(), modules);
        }).toList();
    }

    static TestKernel fromPackageRoot(Path root) {
        try (Stream<Path> images = Files.list(root.resolve("boot"))) {
            Path image = images.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(root + "/boot has no vmlinuz-*"));
            String release = image.getFileName().toString().substring("vmlinuz-".length());
            return new TestKernel(image, release, root.resolve("lib/modules").resolve(release));
        } catch (IOException e) {
            throw new UncheckedIOException(root + " is not an unpacked linux-image package (set " + PROPERTY
                    + " to directories made with dpkg-deb -x)", e);
        }
    }

    @Override
    public String toString() {
        return release;
    }
}
