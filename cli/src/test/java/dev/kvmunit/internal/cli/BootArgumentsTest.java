package dev.kvmunit.internal.cli;

import dev.kvmunit.internal.vmm.launch.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootArgumentsTest {
    @TempDir
    Path dir;

    /** Files only: no kernel names. */
    private static VmSpec parse(List<String> args) {
        return BootArguments.parse(args, name -> Optional.empty());
    }

    @Test
    void parsesEveryOption() throws IOException {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "k");
        Path base = Files.writeString(dir.resolve("base.cpio"), "b");
        Path overlay = Files.writeString(dir.resolve("overlay.cpio"), "o");
        VmSpec spec = parse(List.of("--kernel", kernel.toString(), "--initramfs", base.toString(),
                "--initramfs", overlay.toString(), "--cpus", "4", "--memory", "512", "--append", "quiet",
                "--timeout", "30"));
        assertEquals(kernel, spec.kernel());
        assertEquals(List.of(base, overlay), spec.initramfs());
        assertEquals(4, spec.cpus());
        assertEquals(512, spec.memoryMb());
        assertEquals("quiet", spec.cmdline());
        assertEquals(Duration.ofSeconds(30), spec.timeout());
    }

    @Test
    void defaultsAreOneCpu256MiBAndAMinute() throws IOException {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "k");
        VmSpec spec = parse(List.of("--kernel", kernel.toString()));
        assertEquals(1, spec.cpus());
        assertEquals(256, spec.memoryMb());
        assertEquals(Duration.ofSeconds(60), spec.timeout());
        assertTrue(spec.initramfs().isEmpty());
    }

    @Test
    void namesTheMissingFile() {
        UsageException e = assertThrows(UsageException.class,
                () -> parse(List.of("--kernel", dir.resolve("nope").toString())));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void rejectsBadNumbersAndUnknownFlags() throws IOException {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "k");
        UsageException bad = assertThrows(UsageException.class,
                () -> parse(List.of("--kernel", kernel.toString(), "--cpus", "zero")));
        assertTrue(bad.getMessage().contains("--cpus"), bad.getMessage());
        UsageException unknown = assertThrows(UsageException.class,
                () -> parse(List.of("--kernel", kernel.toString(), "--disk", "x")));
        assertTrue(unknown.getMessage().contains("--disk"), unknown.getMessage());
        UsageException tooMany = assertThrows(UsageException.class,
                () -> parse(List.of("--kernel", kernel.toString(), "--cpus", "999")));
        assertTrue(tooMany.getMessage().contains("254"), tooMany.getMessage());
    }

    @Test
    void aNamedKernelNeedsNoFile() {
        Path image = dir.resolve("built/bzImage");
        VmSpec spec = BootArguments.parse(List.of("--kernel", "sched-ext"),
                name -> name.equals("sched-ext") ? Optional.of(image) : Optional.empty());
        assertEquals(image, spec.kernel());
    }

    @Test
    void requiresAKernel() {
        UsageException e = assertThrows(UsageException.class, () -> parse(List.of()));
        assertTrue(e.getMessage().contains("--kernel is required"), e.getMessage());
    }
}
