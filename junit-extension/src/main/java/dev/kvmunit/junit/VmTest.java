package dev.kvmunit.junit;

import dev.kvmunit.internal.junit.VmTestExtension;

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
 * <h2>Binaries in the guest</h2>
 * {@link #probes()} and the {@link #scheduler()} name host binaries. Each name is resolved in
 * this order, first match wins: a name containing '/' is a path (relative to the working
 * directory); system property {@code kvmunit.binary.<name>}; environment variable
 * {@code KVMUNIT_BINARY_<NAME>} (upper case, other characters than letters and digits as '_');
 * {@code target/}, {@code target/bin/}, {@code build/}, {@code build/bin/} under the working
 * directory (a Maven module's directory under Surefire); the host's {@code PATH}. Each binary
 * goes into the guest at its host path, with its ELF interpreter and libraries at theirs, and
 * as {@code /usr/local/bin/<name>} (first on the guest's PATH), so {@code guest.exec("stress-ng")}
 * runs it. Commands the test runs get {@code LD_LIBRARY_PATH} for libraries that only the
 * host's {@code /etc/ld.so.conf} finds.
 *
 * <p>The guest boots from archives unpacked in order, a later file replacing an earlier one:
 * the common base (init, busybox, kernel modules), then the binaries with their libraries,
 * both cached by content digest, so only the first test with a given set pays for building
 * them; last the test's own {@link #files()}, written for this test alone.
 *
 * <p>Without a usable KVM (and without QEMU for the nested rig) the test is skipped with the
 * reason, unless the environment variable {@code CI} is {@code true} (in any letter case):
 * there it runs, and fails saying what is missing.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@Tag("vm")
@ExtendWith(VmTestExtension.class)
public @interface VmTest {
    /**
     * The kernel to boot: a path to a bzImage or vmlinux, a version prefix ({@code "6.12"}), a
     * cached release, or {@code "sched-ext"}: kvmunit's sched_ext kernel, built from Debian's
     * linux-source-6.12 with the sched_ext example schedulers on first use (minutes, with progress
     * lines on stderr; see docs/kernel-build.md) and reused after. Empty: system property
     * {@code kvmunit.kernel}, env {@code KVMUNIT_KERNEL}, then, for a test with a
     * {@link #scheduler()}, {@code "sched-ext"}; for other tests the kernel cache, the host's
     * kernel, then a provisioned Debian cloud kernel.
     */
    String kernel() default "";

    /** Number of vCPUs. */
    int cpus() default 1;

    /** Guest RAM in MiB. */
    int memoryMb() default 256;

    /**
     * Extra kernel command-line arguments, appended to what kvmunit needs. The guest's devices
     * are described by ACPI; with {@code acpi=off} here (for a kernel built without ACPI) the
     * virtio device is named on the command line instead, which needs VIRTIO_MMIO_CMDLINE_DEVICES.
     */
    String cmdline() default "";

    /**
     * Host programs the test runs in the guest, e.g. {@code {"stress-ng", "target/bin/my-probe"}};
     * resolved as described above. A binary that is missing, not an x86_64 program or lacks a
     * library on the host fails the test before the guest boots, with the places looked.
     */
    String[] probes() default {};

    /**
     * A sched_ext scheduler started before the test body and kept running until the guest
     * powers off; none by default. A name found nowhere else is taken from the schedulers built
     * with the booting {@code "sched-ext"} kernel (scx_simple, scx_qmap, scx_central, scx_flatcg),
     * and a scheduler built with another kernel is refused.
     * The kernel must be built with {@code CONFIG_SCHED_CLASS_EXT}:
     * on a kernel without it the test fails (it does not skip: the kernel is chosen by the test
     * or the build, and a skipped scheduler test would hide a misconfigured run).
     */
    Scheduler scheduler() default @Scheduler;

    /**
     * Files from the test's classpath placed in the guest before it boots (see {@link GuestFile});
     * they go into a small per-test archive loaded last.
     */
    GuestFile[] files() default {};

    /** Wall-clock limit for the whole VM, boot included; past it the VM is killed and the test fails. */
    int timeoutSeconds() default 180;
}
