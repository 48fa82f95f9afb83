package dev.kvmunit.internal.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.OutputDirectoryCreator;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Fixture classes run through Jupiter with the {@link EngineTestKit}, for tests of what JUnit
 * reports about @VmTests. Fixtures are static nested classes of the test that runs them:
 * Surefire's default excludes ({@code **}{@code /*$*}) and a {@code -Dtest} pattern naming the
 * test leave them out, and {@link OnlyInAFixtureRun} skips them wherever something else
 * discovers them (an IDE's package run).
 */
final class FixtureRun {
    private static final String PARAMETER = "kvmunit.fixture-run";

    private FixtureRun() {
    }

    /** Runs the fixtures in one engine run; published files go under {@code reports}. */
    static EngineExecutionResults execute(Path reports, Class<?>... fixtures) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(Arrays.stream(fixtures).map(fixture -> selectClass(fixture)).toArray(DiscoverySelector[]::new))
                .configurationParameter(PARAMETER, "true")
                .outputDirectoryCreator(new ReportDirectories(reports))
                .execute();
    }

    static List<Event> testEvents(EngineExecutionResults results, Class<?> fixture, EventType type) {
        return results.testEvents().stream()
                .filter(event -> event.getType() == type && fixtureOf(event.getTestDescriptor()) == fixture)
                .toList();
    }

    /** The fixture's one test's event of this type. */
    static Event event(EngineExecutionResults results, Class<?> fixture, EventType type) {
        List<Event> events = testEvents(results, fixture, type);
        assertEquals(1, events.size(), () -> fixture.getSimpleName() + " " + type + ": " + events);
        return events.get(0);
    }

    static TestExecutionResult finished(EngineExecutionResults results, Class<?> fixture) {
        return event(results, fixture, EventType.FINISHED).getRequiredPayload(TestExecutionResult.class);
    }

    /** What the fixture's test failed with; fails if it did not fail. */
    static Throwable failure(EngineExecutionResults results, Class<?> fixture) {
        TestExecutionResult result = finished(results, fixture);
        assertEquals(TestExecutionResult.Status.FAILED, result.getStatus(), fixture.getSimpleName() + ": " + result);
        return result.getThrowable().orElseThrow();
    }

    /** File name to content, sorted by name, of what the fixture's test published. */
    static Map<String, String> publishedFiles(EngineExecutionResults results, Class<?> fixture) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (Event event : testEvents(results, fixture, EventType.FILE_ENTRY_PUBLISHED)) {
            Path file = event.getRequiredPayload(FileEntry.class).getPath();
            files.put(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        }
        return files;
    }

    private static Class<?> fixtureOf(TestDescriptor test) {
        return test.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(MethodSource::getJavaClass).orElse(null);
    }

    /** One directory per test under the run's temp dir, where published files go. */
    private record ReportDirectories(Path root) implements OutputDirectoryCreator {
        @Override
        public Path getRootDirectory() {
            return root;
        }

        @Override
        public Path createOutputDirectory(TestDescriptor test) throws IOException {
            String name = test.getUniqueId().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            return Files.createDirectories(root.resolve(name));
        }
    }

    /** Runs a fixture only in a {@link FixtureRun}; anywhere else it is skipped. */
    static final class OnlyInAFixtureRun implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by the test it belongs to")
                    : ConditionEvaluationResult.disabled("a fixture, run only by the test it is nested in");
        }
    }
}
