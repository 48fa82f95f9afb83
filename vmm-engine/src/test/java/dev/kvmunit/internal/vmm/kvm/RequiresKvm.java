package dev.kvmunit.internal.vmm.kvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import dev.kvmunit.internal.vmm.launch.TestEnforcement;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks tests that need a working {@code /dev/kvm}. Without one they are skipped with the
 * reason {@link KvmSystem#open()} gives (which says how to get KVM), except where
 * {@link TestEnforcement} forbids skips ({@code CI=true}): there they run and fail with it.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("kvm")
@ExtendWith(RequiresKvm.Condition.class)
public @interface RequiresKvm {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            try (KvmSystem kvm = KvmSystem.open()) {
                return ConditionEvaluationResult.enabled("KVM available at " + kvm.device());
            } catch (KvmUnavailableException e) {
                TestEnforcement.Verdict verdict = TestEnforcement.ofProcess().lacking(e.getMessage());
                return verdict.skips() ? ConditionEvaluationResult.disabled(verdict.message())
                        : ConditionEvaluationResult.enabled(verdict.message());
            }
        }
    }
}
