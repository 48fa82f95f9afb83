package dev.kvmunit.internal.vmm.kernel;

import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real kernel for tests that parse or boot one: the bzImage or vmlinux named by system
 * property {@code kvmunit.test.kernel} or env {@code KVMUNIT_TEST_KERNEL}, else Debian's default
 * cloud kernel, provisioned into the kernel cache as every VM test provisions it (so CI, which
 * provisions it anyway, always has one). Where neither can be had the test skips, or fails
 * under {@code CI=true}.
 */
public final class RealKernels {
    private RealKernels() {
    }

    public static Path image() {
        String named = System.getProperty("kvmunit.test.kernel", System.getenv("KVMUNIT_TEST_KERNEL"));
        if (named != null && !named.isBlank()) {
            Path image = Path.of(named);
            if (!Files.isRegularFile(image)) {
                throw new AssertionError("the test kernel " + image + " (kvmunit.test.kernel or KVMUNIT_TEST_KERNEL)"
                        + " is not a file");
            }
            return image;
        }
        try {
            return KernelProvisioner.forCurrentUser().provisionDefault().image();
        } catch (KernelException e) {
            TestEnforcement.ofProcess().require(false, "no real kernel: set KVMUNIT_TEST_KERNEL to a bzImage or"
                    + " vmlinux, or let kvmunit provision Debian's cloud kernel, which failed: " + e.getMessage(),
                    TestAbortedException::new);
            throw e;
        }
    }
}
