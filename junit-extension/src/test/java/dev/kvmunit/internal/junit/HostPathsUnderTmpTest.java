package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.Guest;
import dev.kvmunit.junit.GuestFile;
import dev.kvmunit.junit.VmTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Binaries sit in the guest at their host paths, and builds often land under /tmp (a CI
 * checkout, a kernel tree unpacked there): the guest's scratch /tmp must not hide them, nor
 * the test's own files put there. A real guest, since it is the guest init's mounts that
 * decide.
 */
class HostPathsUnderTmpTest {
    private static final String PROBE = "kvmunit-probe-under-tmp";
    private static Path buildDirectory;

    @BeforeAll
    static void buildAProbeUnderTmp() throws IOException, InterruptedException {
        buildDirectory = Files.createTempDirectory(Path.of("/tmp"), "kvmunit-build");
        Path probe = Gcc.compile(buildDirectory, "#include <stdio.h>\n"
                + "int main(void) { puts(\"probe under /tmp ran\"); return 0; }\n", buildDirectory.resolve(PROBE));
        System.setProperty(BinaryResolver.PROPERTY_PREFIX + PROBE, probe.toString());
    }

    @AfterAll
    static void removeIt() throws IOException {
        System.clearProperty(BinaryResolver.PROPERTY_PREFIX + PROBE);
        try (Stream<Path> files = Files.walk(buildDirectory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @VmTest(probes = PROBE, files = @GuestFile(resource = "under-tmp.txt", path = "/tmp/kvmunit/under-tmp.txt"))
    void aProbeAndAFileUnderTmpAreThereAndTmpStaysScratchSpace(Guest guest) {
        assertEquals("probe under /tmp ran\n", guest.run(buildDirectory.resolve(PROBE).toString()).stdoutText());
        assertEquals("probe under /tmp ran\n", guest.run(PROBE).stdoutText());
        assertEquals("put in the guest under /tmp by the test overlay\n", guest.readString("/tmp/kvmunit/under-tmp.txt"));

        assertEquals("1777\n", guest.run("stat", "-c", "%a", "/tmp").stdoutText(), "anyone may write to /tmp");
        guest.writeString("/tmp/scratch", "written by the test");
        assertEquals("written by the test", guest.readString("/tmp/scratch"));
    }
}
