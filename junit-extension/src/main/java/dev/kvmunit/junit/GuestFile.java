package dev.kvmunit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A file from the test's classpath placed in the guest before it boots:
 * {@code @VmTest(files = @GuestFile(resource = "workload.sh", path = "/root/workload.sh", mode = 0755))}.
 * Unlike {@link Guest#writeFile}, the file is there from the first instruction of init on, and
 * it may replace a file of the base image (a later archive's file wins).
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface GuestFile {
    /**
     * The classpath resource, found as {@link Class#getResource} finds it from the test class:
     * relative to the test's package, or from the classpath root with a leading '/'.
     */
    String resource();

    /** Absolute path in the guest; missing directories are created. */
    String path();

    /** Permission bits, e.g. {@code 0755} for a script. */
    int mode() default 0644;
}
