package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.GuestFile;

import dev.kvmunit.internal.vmm.image.FileContent;
import dev.kvmunit.internal.vmm.image.ImageEntry;
import dev.kvmunit.internal.vmm.image.InitramfsContents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** @GuestFile resources become the per-test overlay; mistakes name the file and the fix. */
class TestOverlayTest {
    /** Carries @GuestFile values for the fixtures below without making them VM tests. */
    @Retention(RetentionPolicy.RUNTIME)
    @interface Files {
        GuestFile[] value();
    }

    @Files({
            @GuestFile(resource = "workload.sh", path = "/root/workload.sh", mode = 0755),
            @GuestFile(resource = "/dev/kvmunit/internal/junit/workload.sh", path = "/etc/copy.sh")})
    void twoFiles() {
    }

    @Files(@GuestFile(resource = "absent.txt", path = "/etc/absent.txt"))
    void missingResource() {
    }

    @Files(@GuestFile(resource = "workload.sh", path = "root/workload.sh"))
    void relativePath() {
    }

    @Files({})
    void noFiles() {
    }

    private static GuestFile[] filesOf(String method) throws NoSuchMethodException {
        Method test = TestOverlayTest.class.getDeclaredMethod(method);
        return test.getAnnotation(Files.class).value();
    }

    @Test
    void resourcesAreFoundFromTheTestClassAndPlacedWithTheirModes() throws Exception {
        InitramfsContents overlay = TestOverlay.contents(TestOverlayTest.class, filesOf("twoFiles")).orElseThrow();

        byte[] script = TestOverlayTest.class.getResourceAsStream("workload.sh").readAllBytes();
        List<ImageEntry> files = overlay.entries().stream().filter(e -> e instanceof ImageEntry.RegularFile).toList();
        assertEquals(List.of(new ImageEntry.RegularFile("/etc/copy.sh", 0644, FileContent.of(script)),
                new ImageEntry.RegularFile("/root/workload.sh", 0755, FileContent.of(script))), files);
    }

    @Test
    void aTestWithoutFilesHasNoOverlay() throws Exception {
        assertEquals(Optional.empty(), TestOverlay.contents(TestOverlayTest.class, filesOf("noFiles")));
    }

    @Test
    void aMissingResourceSaysWhereToPutIt() throws Exception {
        GuestFile[] files = filesOf("missingResource");
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> TestOverlay.contents(TestOverlayTest.class, files));

        assertTrue(e.getMessage().contains("resource 'absent.txt' for /etc/absent.txt is not on the classpath of "
                + TestOverlayTest.class.getName() + ": put it under src/test/resources/dev/kvmunit/internal/junit/absent.txt"),
                e.getMessage());
    }

    @Test
    void aRelativeGuestPathIsRefused() throws Exception {
        GuestFile[] files = filesOf("relativePath");
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> TestOverlay.contents(TestOverlayTest.class, files));

        assertTrue(e.getMessage().contains("path 'root/workload.sh' (resource 'workload.sh') must be absolute"),
                e.getMessage());
    }
}
