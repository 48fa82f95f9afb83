package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.VmTest;

import dev.kvmunit.internal.kbuild.BuiltKernel;
import dev.kvmunit.internal.kbuild.SchedExtKernel;
import dev.kvmunit.internal.kbuild.SchedulerMatch;
import dev.kvmunit.internal.rig.VmLaunchers;
import dev.kvmunit.internal.vmm.kernel.KernelResolver;
import dev.kvmunit.internal.vmm.kernel.MissingKernelOptionException;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import dev.kvmunit.internal.vmm.launch.VmResult;
import org.junit.jupiter.api.MediaType;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs {@link VmTest}s: decides whether they can run here, boots one guest per test when the
 * test asks for a {@link Guest}, and after the test powers the guest off, fails the test if the
 * guest did not end cleanly, and attaches the guest console and the channel transcript to the
 * test (as published files and on the test's stdout, so Surefire's XML carries them), and
 * sched_ext's debug dump when the test's scheduler was dropped.
 */
public final class VmTestExtension implements ExecutionCondition, ParameterResolver, AfterEachCallback {
    static final String SCHED_EXT_OPTION = "CONFIG_SCHED_CLASS_EXT";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(VmTestExtension.class);

    private final Supplier<Optional<String>> unavailableReason;
    private final TestEnforcement enforcement;

    /** What JUnit instantiates: this host's launchers and this process's environment. */
    public VmTestExtension() {
        this(VmLaunchers::unavailableReason, System::getenv);
    }

    VmTestExtension(Supplier<Optional<String>> unavailableReason, Function<String, String> environment) {
        this.unavailableReason = unavailableReason;
        this.enforcement = new TestEnforcement(environment);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            return ConditionEvaluationResult.enabled("VM tests are decided per method");
        }
        Optional<String> problem = unavailableReason.get();
        if (problem.isEmpty()) {
            return ConditionEvaluationResult.enabled("this host can boot guests");
        }
        TestEnforcement.Verdict verdict = enforcement.lacking("no usable KVM: " + problem.get());
        return verdict.skips() ? ConditionEvaluationResult.disabled(verdict.message())
                : ConditionEvaluationResult.enabled(verdict.message());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Guest.class;
    }

    @Override
    public Guest resolveParameter(ParameterContext parameter, ExtensionContext context) {
        VmTest config = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), VmTest.class)
                .orElseThrow(() -> new ParameterResolutionException(
                        "a Guest parameter needs the test method to be annotated @VmTest"));
        return context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(VmSession.class, key -> boot(context, config), VmSession.class)
                .guest();
    }

    private static VmSession boot(ExtensionContext context, VmTest config) {
        if (config.scheduler().enableTimeoutSeconds() < 1) {
            throw new ExtensionConfigurationException("@Scheduler(enableTimeoutSeconds = "
                    + config.scheduler().enableTimeoutSeconds() + ") must be at least 1");
        }
        SharedLauncher shared = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedLauncher.class, key -> new SharedLauncher(), SharedLauncher.class);
        ResolvedKernel kernel = resolveKernel(config);
        BinaryResolver binaries = BinaryResolver.forCurrentProcess();
        Optional<ResolvedBinary> scheduler = config.scheduler().value().isEmpty() ? Optional.empty()
                : Optional.of(binaries.resolveScheduler(config.scheduler().value(), BuiltKernel.ofImage(kernel.image())));
        scheduler.ifPresent(binary -> {
            SchedulerMatch.require(binary.name(), binary.path(), kernel);
            requireSchedExt(kernel, binary);
        });
        List<ResolvedBinary> wanted = new ArrayList<>();
        for (String probe : config.probes()) {
            wanted.add(binaries.resolve(probe, "probe"));
        }
        scheduler.ifPresent(wanted::add);
        GuestImages.TestImages images;
        try {
            images = shared.images().forTest(kernel, wanted,
                    TestOverlay.contents(context.getRequiredTestClass(), config.files()));
        } catch (IOException e) {
            throw new UncheckedIOException("building the guest image for kernel " + kernel.release() + " failed", e);
        }
        VmSession session = VmSession.boot(shared.launcher(), kernel, images, config);
        scheduler.ifPresent(binary -> session.startScheduler(binary, config.scheduler()));
        return session;
    }

    /**
     * The annotation's kernel, else kvmunit.kernel/KVMUNIT_KERNEL, else, for a test with a
     * scheduler, the {@value SchedExtKernel#NAME} kernel (built on first use, its progress on
     * stderr, which Surefire shows), else the resolver's usual order.
     */
    private static ResolvedKernel resolveKernel(VmTest config) {
        KernelResolver resolver = KernelResolver.forCurrentProcess().withNamedKernel(SchedExtKernel.NAME,
                () -> SchedExtKernel.resolve(line -> System.err.println("[kvmunit] " + line)));
        return config.scheduler().value().isEmpty() ? resolver.resolve(config.kernel())
                : resolver.resolvePreferring(config.kernel(), SchedExtKernel.NAME, "the default kernel of a test with a"
                        + " scheduler");
    }

    /** Checked before anything is built or booted: without sched_ext no scheduler can attach. */
    static void requireSchedExt(ResolvedKernel kernel, ResolvedBinary scheduler) {
        try {
            kernel.require(SCHED_EXT_OPTION);
        } catch (MissingKernelOptionException e) {
            throw new MissingKernelOptionException(e.kernel(), e.missingOptions(), scheduler.describe()
                    + " needs a sched_ext kernel, but " + e.getMessage() + ". Debian's packaged kernels are built"
                    + " without " + SCHED_EXT_OPTION + "; @VmTest(kernel = \"" + SchedExtKernel.NAME + "\") (the"
                    + " default of tests with a scheduler when no kernel is configured) builds one with it");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        VmSession session;
        try {
            session = context.getStore(NAMESPACE).get(VmSession.class, VmSession.class);
        } catch (RuntimeException | AssertionError bootFailed) {
            // The store hands back how the boot failed (a scheduler that never attached, say);
            // resolving the Guest parameter already failed the test with it, and released the VM.
            return;
        }
        if (session == null) {
            return;
        }
        // Asked before power-off, while the scheduler can still be found running.
        String schedulerProblem = session.schedulerProblem();
        VmResult ended = session.finish();
        attach(context, session, ended);
        String failure = session.unexpectedEnd(ended);
        if (failure != null) {
            throw new AssertionFailedError(failure);
        }
        // A guest call may have failed the test with it already; once is enough.
        boolean reported = context.getExecutionException().map(Throwable::getMessage)
                .filter(message -> message.equals(schedulerProblem)).isPresent();
        if (schedulerProblem != null && !reported) {
            throw new AssertionFailedError(schedulerProblem);
        }
    }

    /** Console and transcript go to the report as files and to stdout, where Surefire's XML picks them up. */
    private static void attach(ExtensionContext context, VmSession session, VmResult ended) {
        String console = session.consoleText();
        String header = String.format("---- kvmunit guest console: kernel %s, %s after %.2f s ----%n",
                session.kernel().release(), ended.outcome(), ended.elapsed().toMillis() / 1000.0);
        System.out.print(header + console + (console.endsWith("\n") ? "" : "\n") + "---- end of guest console ----\n");
        context.publishFile("guest-console.txt", MediaType.TEXT_PLAIN_UTF_8,
                file -> Files.writeString(file, header + console, StandardCharsets.UTF_8));
        context.publishFile("agent-transcript.txt", MediaType.TEXT_PLAIN_UTF_8,
                file -> Files.writeString(file, session.transcriptText(), StandardCharsets.UTF_8));
        List<String> dump = session.scheduler().map(GuestScheduler::dump).orElse(List.of());
        if (!dump.isEmpty()) {
            String text = String.join("\n", dump) + "\n";
            System.out.print("---- kvmunit sched_ext debug dump ----\n" + text + "---- end of sched_ext debug dump ----\n");
            context.publishFile(GuestScheduler.DUMP_ATTACHMENT, MediaType.TEXT_PLAIN_UTF_8,
                    file -> Files.writeString(file, text, StandardCharsets.UTF_8));
        }
    }
}
