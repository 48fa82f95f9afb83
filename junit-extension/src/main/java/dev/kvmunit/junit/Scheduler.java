package dev.kvmunit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A sched_ext scheduler for a {@link VmTest}: {@code @VmTest(scheduler = @Scheduler("scx_simple"))}.
 * The binary is found like a probe (see {@link VmTest#probes()}), started in the guest before the
 * test body runs, and must have switched the kernel to it ({@code /sys/kernel/sched_ext/state}
 * reads {@code enabled}) within {@link #enableTimeoutSeconds()}, or the test fails with the
 * scheduler's output. It keeps running until the guest powers off; if it exits or sched_ext
 * drops it before the test ends, the test fails.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Scheduler {
    /** Name or path of the scheduler binary; empty (the default) for none, the kernel's own scheduler. */
    String value() default "";

    /** Arguments for the scheduler, e.g. {@code {"-s", "20000"}}. */
    String[] args() default {};

    /** How long the scheduler may take, from its start in the guest, to be enabled. */
    int enableTimeoutSeconds() default 30;
}
