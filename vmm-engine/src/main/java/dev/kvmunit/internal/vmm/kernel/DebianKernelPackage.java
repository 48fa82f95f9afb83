package dev.kvmunit.internal.vmm.kernel;

import java.util.Objects;

/**
 * One Debian kernel image package as apt knows it.
 *
 * @param name    package name, e.g. {@code linux-image-6.12.117+deb12-cloud-amd64-unsigned}
 * @param version package version, e.g. {@code 6.12.117-1~deb12u1}
 * @param release kernel release it installs, e.g. {@code 6.12.117+deb12-cloud-amd64}
 * @param size    size of the .deb in bytes, 0 if apt did not say
 */
public record DebianKernelPackage(String name, DebianVersion version, String release, long size) {
    private static final String PREFIX = "linux-image-";
    private static final String UNSIGNED = "-unsigned";

    public DebianKernelPackage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(release, "release");
    }

    /** The release a package name installs: linux-image-REL[-unsigned]. */
    public static String releaseOf(String packageName) {
        if (!packageName.startsWith(PREFIX) || packageName.length() <= PREFIX.length()) {
            throw new IllegalArgumentException("'" + packageName + "' is not a Debian kernel image package name"
                    + " (expected linux-image-<release>[-unsigned])");
        }
        String rest = packageName.substring(PREFIX.length());
        return rest.endsWith(UNSIGNED) ? rest.substring(0, rest.length() - UNSIGNED.length()) : rest;
    }

    /** Whether the package's upstream version or its release starts with prefix. */
    public boolean matches(VersionPrefix prefix) {
        return prefix.matches(version.upstream()) || prefix.matches(release);
    }

    @Override
    public String toString() {
        return name + " " + version;
    }
}
