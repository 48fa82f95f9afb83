package dev.kvmunit.internal.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** When a VM test runs: wherever guests can boot; without KVM it skips, except under CI=true. */
class VmTestConditionTest {
    private static final String NO_KVM = "/dev/kvm does not exist: enable hardware virtualization";

    @Test
    void runsWhereGuestsCanBoot() throws Exception {
        ConditionEvaluationResult result = evaluate(Optional.empty(), Map.of());
        assertFalse(result.isDisabled());
    }

    @Test
    void skipsWithTheWayToGetKvmWhenNoneIsUsable() throws Exception {
        ConditionEvaluationResult result = evaluate(Optional.of(NO_KVM), Map.of());
        assertTrue(result.isDisabled());
        assertTrue(result.getReason().orElseThrow().contains(NO_KVM), result.getReason().orElseThrow());
    }

    @Test
    void neverSkipsUnderCiSoAMissingKvmFailsTheRun() throws Exception {
        ConditionEvaluationResult result = evaluate(Optional.of(NO_KVM), Map.of("CI", "true"));
        assertFalse(result.isDisabled());
        String reason = result.getReason().orElseThrow();
        assertTrue(reason.startsWith("CI=true forbids skipping") && reason.endsWith(NO_KVM), reason);
    }

    @Test
    void ciSetToSomethingElseIsNotCi() throws Exception {
        assertTrue(evaluate(Optional.of(NO_KVM), Map.of("CI", "false")).isDisabled());
    }

    private static ConditionEvaluationResult evaluate(Optional<String> problem, Map<String, String> env)
            throws Exception {
        ExtensionContext context = mock(ExtensionContext.class);
        Method test = VmTestConditionTest.class.getDeclaredMethod("runsWhereGuestsCanBoot");
        when(context.getTestMethod()).thenReturn(Optional.of(test));
        return new VmTestExtension(() -> problem, env::get).evaluateExecutionCondition(context);
    }
}
