package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The closure must match what the host's own loader loads, as reported by ldd. */
class ElfClosureTest {
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s+)?(/\\S+)\\s+\\(0x");

    @TempDir
    Path dir;

    @Test
    void lsResolvesToWhatTheLoaderLoads() throws Exception {
        assertClosureMatchesLdd(Path.of("/bin/ls"));
    }

    @Test
    void stressNgResolvesToWhatTheLoaderLoads() throws Exception {
        Path stressNg = Path.of("/usr/bin/stress-ng");
        TestEnforcement.ofProcess().require(Files.isExecutable(stressNg),
                "Debian's stress-ng is not installed: sudo apt-get install stress-ng", TestAbortedException::new);
        assertClosureMatchesLdd(stressNg);
    }

    @Test
    void imageKeepsLinksToTheRealFilesButNotDirectoryLinks() throws Exception {
        InitramfsContents contents = new InitramfsContents();
        ElfClosure.forHost().resolve(List.of(Path.of("/bin/ls"))).addTo(contents);

        ImageEntry loader = entry(contents, "lib64/ld-linux-x86-64.so.2");
        assertTrue(loader instanceof ImageEntry.Symlink || loader instanceof ImageEntry.RegularFile, loader::toString);
        if (loader instanceof ImageEntry.Symlink link) {
            Path target = Path.of("/lib64").resolve(link.target()).normalize();
            assertTrue(entry(contents, target.toString().substring(1)) != null, "link target " + target + " is in the image");
        }
        assertTrue(entry(contents, "bin/ls") instanceof ImageEntry.RegularFile);
        assertTrue(contents.entries().stream().allMatch(e -> !(e instanceof ImageEntry.Symlink)
                        || !Files.isDirectory(Path.of("/" + e.path()))),
                "directory symlinks such as /lib -> usr/lib become real directories");
        ImageEntry.RegularFile libc = contents.entries().stream()
                .filter(e -> e instanceof ImageEntry.RegularFile && e.path().endsWith("/libc.so.6"))
                .map(ImageEntry.RegularFile.class::cast).findFirst().orElseThrow();
        assertEquals(HostFileMirror.permissionBits(Path.of("/" + libc.path())), libc.mode());
    }

    @Test
    void staticBinaryHasNoClosure() throws Exception {
        Path source = Files.writeString(dir.resolve("hello.c"), "int main(void) { return 0; }\n");
        Path binary = dir.resolve("hello-static");
        Processes.run(dir, null, List.of("gcc", "-static", "-o", binary.toString(), source.toString()));

        ElfClosure.Closure closure = ElfClosure.forHost().resolve(List.of(binary));

        assertEquals(List.of(binary), closure.files());
    }

    @Test
    void runpathWithOriginFindsTheLibraryAndAMissingOneIsNamed() throws Exception {
        Path library = buildLibrary("libkvmprobe.so");
        Path binary = buildProgramUsing("prog", "-Wl,--enable-new-dtags");

        ElfClosure.Closure closure = ElfClosure.forHost().resolve(List.of(binary));
        assertTrue(closure.files().contains(library), closure.files()::toString);

        Files.delete(library);
        ElfClosureException missing = assertThrows(ElfClosureException.class,
                () -> ElfClosure.forHost().resolve(List.of(binary)));
        assertTrue(missing.getMessage().contains("libkvmprobe.so"), missing.getMessage());
        assertTrue(missing.getMessage().contains("needed by " + binary), missing.getMessage());
        assertTrue(missing.getMessage().contains(dir.resolve("lib/libkvmprobe.so") + " (RUNPATH of"), missing.getMessage());
    }

    @Test
    void rpathIsUsedWhenThereIsNoRunpath() throws Exception {
        Path library = buildLibrary("libkvmprobe.so");
        Path binary = buildProgramUsing("prog-rpath", "-Wl,--disable-new-dtags");
        assertTrue(ElfFile.read(binary).rpath().isPresent(), "gcc wrote DT_RPATH");
        assertTrue(ElfFile.read(binary).runpath().isEmpty());

        ElfClosure.Closure closure = ElfClosure.forHost().resolve(List.of(binary));

        assertTrue(closure.files().contains(library), closure.files()::toString);
    }

    @Test
    void libraryOutsideTheGuestsDefaultPathIsReportedForLdLibraryPath() throws Exception {
        Path libraries = Files.createDirectories(dir.resolve("lib"));
        buildLibrary("libkvmprobe.so");
        Path binary = dir.resolve("prog-conf");
        Processes.run(dir, null, List.of("gcc", "-o", binary.toString(), writeMain().toString(), "-L" + libraries,
                "-lkvmprobe"));

        ElfClosure closure = new ElfClosure(List.of(libraries), ElfClosure.DEFAULT_DIRECTORIES);
        ElfClosure.Closure result = closure.resolve(List.of(binary));

        assertTrue(result.files().contains(libraries.resolve("libkvmprobe.so")));
        assertEquals(List.of(libraries), result.extraLibraryDirectories());
    }

    @Test
    void libraryForAnotherMachineIsSkippedLikeTheLoaderSkipsIt() throws Exception {
        Path good = buildLibrary("libkvmprobe.so");
        Path binary = dir.resolve("prog-skip");
        Processes.run(dir, null, List.of("gcc", "-o", binary.toString(), writeMain().toString(), "-L" + good.getParent(),
                "-lkvmprobe"));
        Path foreignDir = Files.createDirectories(dir.resolve("foreign"));
        byte[] aarch64 = Files.readAllBytes(good);
        aarch64[18] = (byte) 183;
        aarch64[19] = 0;
        Files.write(foreignDir.resolve("libkvmprobe.so"), aarch64);

        ElfClosure.Closure closure = new ElfClosure(List.of(foreignDir, good.getParent()), ElfClosure.DEFAULT_DIRECTORIES)
                .resolve(List.of(binary));
        assertTrue(closure.files().contains(good), closure.files()::toString);

        ElfClosureException error = assertThrows(ElfClosureException.class,
                () -> new ElfClosure(List.of(foreignDir), ElfClosure.DEFAULT_DIRECTORIES).resolve(List.of(binary)));
        assertTrue(error.getMessage().contains("library libkvmprobe.so needed by " + binary), error.getMessage());
        assertTrue(error.getMessage().contains("skipped: " + foreignDir.resolve("libkvmprobe.so") + " is a 64-bit ELF for"
                + " aarch64"), error.getMessage());
    }

    @Test
    void textFileIsNotElf() throws Exception {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho hi\n");

        ElfClosureException error = assertThrows(ElfClosureException.class,
                () -> ElfClosure.forHost().resolve(List.of(script)));

        assertTrue(error.getMessage().startsWith(script + " is not an ELF file"), error.getMessage());
    }

    @Test
    void truncatedElfIsNamed() throws Exception {
        byte[] ls = Files.readAllBytes(Path.of("/bin/ls"));
        Path headerOnly = Files.write(dir.resolve("header-only"), Arrays.copyOf(ls, 40));
        Path noProgramHeaders = Files.write(dir.resolve("cut"), Arrays.copyOf(ls, 100));

        for (Path broken : List.of(headerOnly, noProgramHeaders)) {
            ElfClosureException error = assertThrows(ElfClosureException.class,
                    () -> ElfClosure.forHost().resolve(List.of(broken)));
            assertTrue(error.getMessage().startsWith(broken + " is a truncated"), error.getMessage());
        }
    }

    @Test
    void wrongArchitectureIsNamed() throws Exception {
        byte[] aarch64 = Files.readAllBytes(Path.of("/bin/ls"));
        aarch64[18] = (byte) 183;
        aarch64[19] = 0;
        Path arm = Files.write(dir.resolve("ls-arm"), aarch64);
        byte[] elf32 = Files.readAllBytes(Path.of("/bin/ls"));
        elf32[4] = 1;
        elf32[18] = 3;
        Path i386 = Files.write(dir.resolve("ls-i386"), elf32);

        ElfClosureException armError = assertThrows(ElfClosureException.class,
                () -> ElfClosure.forHost().resolve(List.of(arm)));
        ElfClosureException i386Error = assertThrows(ElfClosureException.class,
                () -> ElfClosure.forHost().resolve(List.of(i386)));

        assertTrue(armError.getMessage().contains(arm + " is a 64-bit ELF for aarch64"), armError.getMessage());
        assertTrue(i386Error.getMessage().contains(i386 + " is a 32-bit ELF for i386"), i386Error.getMessage());
    }

    @Test
    void missingBinaryIsNamed() {
        Path nowhere = dir.resolve("nowhere");

        ElfClosureException error = assertThrows(ElfClosureException.class,
                () -> ElfClosure.forHost().resolve(List.of(nowhere)));

        assertTrue(error.getMessage().contains(nowhere + " does not exist"), error.getMessage());
    }

    @Test
    void ldSoConfFollowsIncludesInSortedOrder() throws Exception {
        Path confDir = Files.createDirectories(dir.resolve("ld.so.conf.d"));
        Files.writeString(confDir.resolve("b.conf"), "/opt/b\n");
        Files.writeString(confDir.resolve("a.conf"), "# comment\n/opt/a /opt/a2:/opt/a3\n");
        Files.writeString(confDir.resolve("ignored.txt"), "/opt/ignored\n");
        Path conf = Files.writeString(dir.resolve("ld.so.conf"), "/opt/first\ninclude ld.so.conf.d/*.conf\n"
                + "hwcap 0 nosegneg\n/opt/last # trailing comment\n");

        assertEquals(List.of(Path.of("/opt/first"), Path.of("/opt/a"), Path.of("/opt/a2"), Path.of("/opt/a3"),
                Path.of("/opt/b"), Path.of("/opt/last")), LdSoConf.directories(conf));
    }

    private void assertClosureMatchesLdd(Path binary) throws Exception {
        Set<Path> expected = new TreeSet<>();
        expected.add(binary.toRealPath());
        Matcher matcher = LDD_PATH.matcher(Processes.run(dir, null, List.of("ldd", binary.toString())));
        while (matcher.find()) {
            expected.add(Path.of(matcher.group(1)).toRealPath());
        }
        assertTrue(expected.size() >= 3, "ldd lists the loader and libc at least: " + expected);

        ElfClosure.Closure closure = ElfClosure.forHost().resolve(List.of(binary));

        Set<Path> actual = new TreeSet<>();
        for (Path file : closure.files()) {
            actual.add(file.toRealPath());
        }
        assertEquals(expected, actual);
        assertFalse(closure.files().isEmpty());
    }

    private static ImageEntry entry(InitramfsContents contents, String path) {
        return contents.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElse(null);
    }

    private Path buildLibrary(String name) throws IOException, InterruptedException {
        Path libraries = Files.createDirectories(dir.resolve("lib"));
        Path source = Files.writeString(dir.resolve("probe.c"), "int kvm_probe(void) { return 42; }\n");
        Path library = libraries.resolve(name);
        Processes.run(dir, null, List.of("gcc", "-shared", "-fPIC", "-o", library.toString(), source.toString()));
        return library;
    }

    private Path buildProgramUsing(String name, String dtagsFlag) throws IOException, InterruptedException {
        Path binary = Files.createDirectories(dir.resolve("bin")).resolve(name);
        Processes.run(dir, null, List.of("gcc", "-o", binary.toString(), writeMain().toString(),
                "-L" + dir.resolve("lib"), "-lkvmprobe", dtagsFlag, "-Wl,-rpath,$ORIGIN/../lib"));
        return binary;
    }

    private Path writeMain() throws IOException {
        return Files.writeString(dir.resolve("main.c"), "int kvm_probe(void);\nint main(void) { return kvm_probe(); }\n");
    }
}
