package dev.kvmunit.internal.vmm.launch;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CI=true (any case) forbids skips: a missing need fails naming it; elsewhere it skips naming it. */
class TestEnforcementTest {
    private static final String MISSING = "iasl is not installed: sudo apt-get install acpica-tools";

    private static TestEnforcement with(Map<String, String> environment) {
        return new TestEnforcement(environment::get);
    }

    @Test
    void enforcedOnlyWhenCiIsTrueInAnyCase() {
        assertTrue(with(Map.of("CI", "true")).enforced());
        assertTrue(with(Map.of("CI", "TRUE")).enforced());
        assertTrue(with(Map.of("CI", "True")).enforced());
        assertFalse(with(Map.of()).enforced());
        assertFalse(with(Map.of("CI", "")).enforced());
        assertFalse(with(Map.of("CI", "false")).enforced());
        assertFalse(with(Map.of("CI", "1")).enforced(), "only 'true' enforces, as CI systems set it");
        assertFalse(with(Map.of("GITHUB_ACTIONS", "true")).enforced());
    }

    @Test
    void notEnforcedAMissingNeedSkipsWithWhatIsMissingAsTheReason() {
        TestEnforcement.Verdict verdict = with(Map.of()).lacking(MISSING);
        assertTrue(verdict.skips());
        assertEquals(MISSING, verdict.message());

        TestAbortedException skip = assertThrows(TestAbortedException.class,
                () -> with(Map.of()).require(false, MISSING, TestAbortedException::new));
        assertEquals(MISSING, skip.getMessage());
    }

    @Test
    void enforcedAMissingNeedFailsNamingWhatIsMissing() {
        TestEnforcement.Verdict verdict = with(Map.of("CI", "true")).lacking(MISSING);
        assertFalse(verdict.skips());
        assertTrue(verdict.message().startsWith("CI=true forbids skipping"), verdict.message());
        assertTrue(verdict.message().endsWith(MISSING), verdict.message());

        AssertionError failure = assertThrows(AssertionError.class,
                () -> with(Map.of("CI", "true")).require(false, MISSING, TestAbortedException::new));
        assertEquals(verdict.message(), failure.getMessage());
    }

    @Test
    void whatIsPresentNeitherSkipsNorFails() {
        for (String ci : new String[] {"true", "false"}) {
            assertDoesNotThrow(() -> with(Map.of("CI", ci)).require(true, MISSING, TestAbortedException::new));
        }
    }

    @Test
    void theProcessEnvironmentDecidesByDefault() {
        assertEquals("true".equalsIgnoreCase(System.getenv("CI")), TestEnforcement.ofProcess().enforced());
    }
}
