package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.kvm.RequiresKvm;
import org.junit.jupiter.api.Test;
import org.junit.platform.console.ConsoleLauncher;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the engine's tests tagged {@code kvm} (tiny guests on a kernel-capable {@code /dev/kvm})
 * inside the rig's L1, whose KVM is real. A host without {@code /dev/kvm} leaves them out of
 * vmm-engine's own run (its {@code no-host-kvm} profile), so here is where they run there.
 */
class EngineKvmTestsInL1Test {
    private static final Pattern SUCCESSFUL = Pattern.compile("\\[\\s*(\\d+) tests successful\\s*]");
    private static final Pattern FAILED = Pattern.compile("\\[\\s*(\\d+) tests failed\\s*]");

    @Test
    void theEngineKvmTestsPassOnL1sKvm() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        try (RigLauncher rig = RigTests.startOrSkip(List.of(ServerClasspath.locationOf(RequiresKvm.class),
                ServerClasspath.locationOf(ConsoleLauncher.class)))) {
            status = rig.runJava(List.of(ConsoleLauncher.class.getName(), "execute", "--disable-banner",
                    "--disable-ansi-colors", "--details=tree", "--select-package=dev.kvmunit.internal.vmm",
                    "--include-tag=kvm"), Duration.ofMinutes(15), output::writeBytes);
        }
        String report = output.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, "the KVM tests failed in L1:\n" + report);
        assertEquals(0, count(FAILED, report), report);
        assertTrue(count(SUCCESSFUL, report) >= 10, "expected the engine's KVM tests to run in L1:\n" + report);
    }

    private static int count(Pattern pattern, String report) {
        Matcher matcher = pattern.matcher(report);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }
}
