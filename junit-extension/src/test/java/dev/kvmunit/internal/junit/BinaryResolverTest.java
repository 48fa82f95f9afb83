package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.kbuild.BuiltKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The documented order, and errors that say where was looked and what to do. */
class BinaryResolverTest {
    @TempDir
    Path root;

    private final Map<String, String> env = new HashMap<>();
    private final Properties properties = new Properties();

    private Path workingDirectory() throws IOException {
        return Files.createDirectories(root.resolve("module"));
    }

    private BinaryResolver resolver() throws IOException {
        return new BinaryResolver(env, properties, workingDirectory());
    }

    private Path executable(String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void eachPlaceWinsOverTheOnesAfterIt() throws IOException {
        Path onPath = executable("usr/bin/stress-ng");
        env.put("PATH", onPath.getParent().toString());
        assertEquals(new ResolvedBinary("probe", "stress-ng", onPath, "PATH"), resolver().resolve("stress-ng", "probe"));

        Path inBuild = executable("module/build/bin/stress-ng");
        assertEquals(inBuild, resolver().resolve("stress-ng", "probe").path());
        Path inBuildRoot = executable("module/build/stress-ng");
        assertEquals(inBuildRoot, resolver().resolve("stress-ng", "probe").path());
        Path inTargetBin = executable("module/target/bin/stress-ng");
        assertEquals(inTargetBin, resolver().resolve("stress-ng", "probe").path());
        Path inTarget = executable("module/target/stress-ng");
        assertEquals(new ResolvedBinary("probe", "stress-ng", inTarget, "build output target/"),
                resolver().resolve("stress-ng", "probe"));

        Path fromEnv = executable("env/stress-ng");
        env.put("KVMUNIT_BINARY_STRESS_NG", fromEnv.toString());
        assertEquals(new ResolvedBinary("probe", "stress-ng", fromEnv, "env KVMUNIT_BINARY_STRESS_NG"),
                resolver().resolve("stress-ng", "probe"));

        Path fromProperty = executable("property/stress-ng");
        properties.setProperty("kvmunit.binary.stress-ng", fromProperty.toString());
        assertEquals(new ResolvedBinary("probe", "stress-ng", fromProperty, "system property kvmunit.binary.stress-ng"),
                resolver().resolve("stress-ng", "probe"));

        Path explicit = executable("elsewhere/my-stress");
        assertEquals(new ResolvedBinary("probe", "my-stress", explicit, "@VmTest"),
                resolver().resolve(explicit.toString(), "probe"));
    }

    @Test
    void relativePathsAreTakenFromTheWorkingDirectory() throws IOException {
        Path built = executable("module/out/scx_mine");
        assertEquals(built, resolver().resolve("out/scx_mine", "scheduler").path());
        properties.setProperty("kvmunit.binary.scx_mine", "out/../out/scx_mine");
        assertEquals(built, resolver().resolve("scx_mine", "scheduler").path());
    }

    @Test
    void envVariableNamesAreUpperCaseWithUnderscores() {
        assertEquals("KVMUNIT_BINARY_STRESS_NG", BinaryResolver.envVariable("stress-ng"));
        assertEquals("KVMUNIT_BINARY_SCX_SIMPLE", BinaryResolver.envVariable("scx_simple"));
        assertEquals("KVMUNIT_BINARY_PERF_6_12", BinaryResolver.envVariable("perf.6.12"));
    }

    @Test
    void notFoundNamesEveryPlaceLookedAndTheWaysToFixIt() throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        env.put("PATH", bin + "::relative/bin");

        GuestBinaryException e = assertThrows(GuestBinaryException.class, () -> resolver().resolve("fio", "probe"));

        String message = e.getMessage();
        assertTrue(message.startsWith("probe 'fio' was not found"), message);
        Path module = workingDirectory();
        for (String place : new String[] {"system property kvmunit.binary.fio (unset)", "env KVMUNIT_BINARY_FIO (unset)",
                module.resolve("target/fio").toString(), module.resolve("target/bin/fio").toString(),
                module.resolve("build/fio").toString(), module.resolve("build/bin/fio").toString(),
                bin.resolve("fio").toString(), "PATH entry 'relative/bin' (skipped: not absolute)",
                "-Dkvmunit.binary.fio=", "KVMUNIT_BINARY_FIO="}) {
            assertTrue(message.contains(place), () -> "'" + place + "' missing from: " + message);
        }
    }

    @Test
    void searchedPlacesSkipWhatCannotRunAndSaySo() throws IOException {
        Files.createDirectories(workingDirectory().resolve("target/fio"));
        Path notExecutable = Files.createDirectories(root.resolve("bin")).resolve("fio");
        Files.writeString(notExecutable, "data");
        Path real = executable("usr/bin/fio");
        env.put("PATH", notExecutable.getParent() + ":" + real.getParent());

        assertEquals(real, resolver().resolve("fio", "probe").path());

        env.put("PATH", notExecutable.getParent().toString());
        String message = assertThrows(GuestBinaryException.class, () -> resolver().resolve("fio", "probe")).getMessage();
        assertTrue(message.contains("target/fio (is a directory, not a regular file)"), message);
        assertTrue(message.contains(notExecutable + " (is not executable: chmod +x it)"), message);
    }

    @Test
    void anExplicitChoiceThatCannotRunFailsInsteadOfFallingBack() throws IOException {
        env.put("PATH", executable("usr/bin/scx_simple").getParent().toString());
        Path directory = Files.createDirectories(root.resolve("schedulers"));
        properties.setProperty("kvmunit.binary.scx_simple", directory.toString());

        String message = assertThrows(GuestBinaryException.class,
                () -> resolver().resolve("scx_simple", "scheduler")).getMessage();

        assertEquals("system property kvmunit.binary.scx_simple gives " + directory + " for scheduler 'scx_simple',"
                + " which is a directory, not a regular file", message);
    }

    @Test
    void explicitPathsMustExistAndBeExecutable() throws IOException {
        Path missing = root.resolve("nowhere/probe");
        assertEquals("@VmTest gives " + missing + " for probe 'probe', which does not exist",
                assertThrows(GuestBinaryException.class, () -> resolver().resolve(missing.toString(), "probe"))
                        .getMessage());

        Path plain = Files.writeString(root.resolve("plain"), "data");
        env.put("KVMUNIT_BINARY_PLAIN", plain.toString());
        assertEquals("env KVMUNIT_BINARY_PLAIN gives " + plain + " for probe 'plain', which is not executable:"
                        + " chmod +x it",
                assertThrows(GuestBinaryException.class, () -> resolver().resolve("plain", "probe")).getMessage());
    }

    @Test
    void anEmptyNameIsRejected() {
        assertTrue(assertThrows(GuestBinaryException.class, () -> resolver().resolve(" ", "probe")).getMessage()
                .contains("a probe name is empty"));
    }

    /** A kernel build directory as kernel-build publishes one, with these schedulers. */
    private BuiltKernel kernelBuild(String... schedulers) throws IOException {
        Path dir = Files.createDirectories(root.resolve("kernel-builds/a5de31a6163ec87e"));
        Files.writeString(dir.resolve("bzImage"), "image");
        Files.writeString(dir.resolve("kernel.release"), "6.12.118\n");
        Files.writeString(dir.resolve("build-info"), "key=a5de31a6163ec87e\n");
        for (String scheduler : schedulers) {
            executable("kernel-builds/a5de31a6163ec87e/schedulers/" + scheduler);
        }
        return BuiltKernel.ofImage(dir.resolve("bzImage")).orElseThrow();
    }

    @Test
    void aSchedulerFoundNowhereElseComesFromTheBootingKernelsBuild() throws IOException {
        BuiltKernel build = kernelBuild("scx_simple", "scx_qmap");
        env.put("PATH", executable("usr/bin/scx_qmap").getParent().toString());

        ResolvedBinary simple = resolver().resolveScheduler("scx_simple", Optional.of(build));
        ResolvedBinary qmap = resolver().resolveScheduler("scx_qmap", Optional.of(build));

        assertEquals(new ResolvedBinary("scheduler", "scx_simple", build.schedulersDirectory().resolve("scx_simple"),
                "the booting kernel's build a5de31a6163ec87e"), simple);
        assertEquals(root.resolve("usr/bin/scx_qmap"), qmap.path(), "PATH comes first");
    }

    @Test
    void aSchedulerNoBuildProducedIsNamedWithTheOnesTheBuildHas() throws IOException {
        BuiltKernel build = kernelBuild("scx_simple", "scx_qmap");

        GuestBinaryException e = assertThrows(GuestBinaryException.class,
                () -> resolver().resolveScheduler("scx_lavd", Optional.of(build)));

        assertTrue(e.getMessage().startsWith("scheduler 'scx_lavd' was not found; looked at: "), e.getMessage());
        assertTrue(e.getMessage().contains(build.schedulersDirectory().resolve("scx_lavd").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(". The booting kernel's build " + build.directory()
                + " made only scx_qmap, scx_simple. "), e.getMessage());
    }
}
