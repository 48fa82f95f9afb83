package dev.kvmunit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A sched_ext scheduler for a {@link VmTest}: {@code @VmTest(scheduler = @Scheduler("scx_simple"))}.
 * The binary is found like a probe (see {@link VmTest#probes()}) and started in the guest before
 * the test body runs. It must be attached within {@link #enableTimeoutSeconds()}:
 * {@code /sys/kernel/sched_ext/state} reads {@code enabled}, {@code root/ops} names it and
 * {@code enable_seq} moved; else the test fails with the state and the scheduler's output.
 *
 * <p>It keeps running until the guest powers off. If it exits, or sched_ext drops it (a BPF
 * error, a task stall its watchdog caught), the test fails when that happens: the {@link Guest}
 * call in progress, or the next one, throws. The failure's first line is the kernel's reason
 * ({@code scx_bpf_error (...)}, {@code runnable task stall (...)}), then the scheduler's status
 * and last output and the end of the console; sched_ext's debug dump (the guest boots with its
 * trace event on) is attached to the test as {@code sched-ext-dump.txt}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Scheduler {
    /** Name or path of the scheduler binary; empty (the default) for none, the kernel's own scheduler. */
    String value() default "";

    /** Arguments for the scheduler, e.g. {@code {"-s", "20000"}}. */
    String[] args() default {};

    /** How long the scheduler may take, from its start in the guest, to be attached. */
    int enableTimeoutSeconds() default 30;
}
