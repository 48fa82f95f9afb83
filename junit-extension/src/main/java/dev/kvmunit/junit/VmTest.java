package dev.kvmunit.junit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test that runs against a freshly booted Linux guest. Declare a {@link Guest} parameter
 * to drive it. Every test gets its own VM, which is powered off and released when the test
 * ends, whatever the outcome.
 *
 * <p>Without a usable KVM (and without QEMU for the nested rig) the test is skipped with the
 * reason, unless the environment variable {@code CI} is {@code true}: there it runs, and
 * fails saying what is missing.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@Tag("vm")
@ExtendWith(VmTestExtension.class)
public @interface VmTest {
    /**
     * The kernel to boot: a path to a bzImage or vmlinux, a version prefix ({@code "6.12"}) or a
     * cached release. Empty: system property {@code kvmunit.kernel}, env {@code KVMUNIT_KERNEL},
     * the kernel cache, the host's kernel, then a provisioned Debian cloud kernel.
     */
    String kernel() default "";

    /** Number of vCPUs. */
    int cpus() default 1;

    /** Guest RAM in MiB. */
    int memoryMb() default 256;

    /** Extra kernel command-line arguments, appended to what kvmunit needs. */
    String cmdline() default "";

    /** Wall-clock limit for the whole VM, boot included; past it the VM is killed and the test fails. */
    int timeoutSeconds() default 180;
}
