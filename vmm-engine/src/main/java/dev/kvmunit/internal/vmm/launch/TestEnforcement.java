package dev.kvmunit.internal.vmm.launch;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Decides what happens to a test whose host lacks something it needs (KVM, QEMU, a tool, a
 * kernel): skipped with what is missing as the reason, or, where tests are enforced, failed
 * naming it. Tests are enforced when the environment variable {@value #VARIABLE} is
 * {@code true}, in any letter case; CI sets it, so nothing that CI should check can skip there.
 * Every skip in the test suites and in {@code @VmTest}'s condition goes through here.
 *
 * <p>Plain Java, so that engine code needs no test framework: the caller says how its framework
 * skips (for JUnit, {@code org.opentest4j.TestAbortedException::new}).
 */
public final class TestEnforcement {
    public static final String VARIABLE = "CI";

    private final Function<String, String> environment;

    /** @param environment looks up an environment variable, {@code null} when unset */
    public TestEnforcement(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    /** Enforcement as this process's environment says. */
    public static TestEnforcement ofProcess() {
        return new TestEnforcement(System::getenv);
    }

    /** Whether tests must run rather than skip: {@code CI} is {@code true}, ignoring case. */
    public boolean enforced() {
        return "true".equals(Objects.toString(environment.apply(VARIABLE), "").toLowerCase(Locale.ROOT));
    }

    /**
     * What becomes of a test that needs {@code missing}, a sentence that names what the host
     * lacks and how to get it: a skip with that reason, or, enforced, a failure naming it.
     */
    public Verdict lacking(String missing) {
        return enforced() ? new Verdict(false, VARIABLE + "=true forbids skipping, and this host lacks what the test"
                + " needs: " + missing) : new Verdict(true, missing);
    }

    /**
     * Returns when {@code present}; otherwise ends the test as {@link #lacking} says: throws
     * {@code skip.apply(reason)} to skip it, or an {@link AssertionError} to fail it.
     */
    public void require(boolean present, String missing, Function<String, ? extends RuntimeException> skip) {
        if (present) {
            return;
        }
        Verdict verdict = lacking(missing);
        if (verdict.skips()) {
            throw skip.apply(verdict.message());
        }
        throw new AssertionError(verdict.message());
    }

    /** A test's end when the host lacks what it needs: skipped, or failed, with this message. */
    public record Verdict(boolean skips, String message) {
    }
}
