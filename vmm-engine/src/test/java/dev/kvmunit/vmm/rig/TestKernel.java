package dev.kvmunit.vmm.rig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A kernel unpacked from a Debian linux-image package ({@code dpkg-deb -x}): its bzImage, its
 * release and its modules directory. The rig tests take the package roots from the system
 * property {@value #PROPERTY} (comma-separated) until kernel provisioning is wired in.
 */
record TestKernel(Path image, String release, Path modules) {
    static final String PROPERTY = "kvmunit.rig.kernels";

    static List<TestKernel> configured() {
        String value = System.getProperty(PROPERTY, "");
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Path::of)
                .map(TestKernel::fromPackageRoot).toList();
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
