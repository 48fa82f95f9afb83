package dev.kvmunit.internal.vmm.kvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks tests that need a working {@code /dev/kvm}. Without one they are skipped with the
 * reason {@link KvmSystem#open()} gives (which says how to get KVM), except under CI
 * (env {@code CI} set): there a missing KVM must fail the build, not hide it.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("kvm")
@ExtendWith(RequiresKvm.Condition.class)
public @interface RequiresKvm {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (System.getenv("CI") != null) {
                return ConditionEvaluationResult.enabled("CI is set: KVM tests always run there");
            }
            try (KvmSystem kvm = KvmSystem.open()) {
                return ConditionEvaluationResult.enabled("KVM available at " + kvm.device());
            } catch (KvmUnavailableException e) {
                return ConditionEvaluationResult.disabled(e.getMessage());
            }
        }
    }
}
