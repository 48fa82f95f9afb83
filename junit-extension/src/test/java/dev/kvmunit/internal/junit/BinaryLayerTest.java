package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.image.ElfClosure;
import dev.kvmunit.internal.vmm.image.ImageEntry;
import dev.kvmunit.internal.vmm.image.InitramfsContents;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Binaries reach the guest with their libraries and a command name, or fail naming the binary. */
class BinaryLayerTest {
    private static final String MAIN = "int main(void) { return 0; }\n";

    @TempDir
    Path dir;

    private ElfClosure closures;

    @BeforeEach
    void hostLoader() throws IOException {
        closures = ElfClosure.forHost();
    }

    private static ResolvedBinary probe(String name, Path path) {
        return new ResolvedBinary("probe", name, path, "a test");
    }

    private static Optional<ImageEntry> entry(InitramfsContents contents, Path guestPath) {
        String wanted = guestPath.toString().substring(1);
        return contents.entries().stream().filter(e -> e.path().equals(wanted)).findFirst();
    }

    @Test
    void aDynamicBinarySitsAtItsHostPathWithItsLoaderAndLibcAndIsACommand() throws Exception {
        Path binary = Gcc.compile(dir, MAIN, dir.resolve("hello"));

        BinaryLayer layer = BinaryLayer.of(List.of(probe("hello", binary)), closures);

        InitramfsContents contents = layer.contents();
        assertInstanceOf(ImageEntry.RegularFile.class, entry(contents, binary).orElseThrow());
        ImageEntry command = entry(contents, Path.of("/usr/local/bin/hello")).orElseThrow();
        assertEquals(new ImageEntry.Symlink("usr/local/bin/hello", binary.toString()), command);
        assertTrue(entry(contents, Path.of("/lib64/ld-linux-x86-64.so.2")).isPresent(), "the ELF interpreter");
        assertTrue(contents.entries().stream().anyMatch(e -> e.path().endsWith("/libc.so.6")), "libc");
        assertEquals(Optional.empty(), layer.libraryPath(), "libc is in a default directory");
    }

    @Test
    void theSameBinaryTwiceIsOneCommandButTwoFilesForOneNameAreAConflict() throws Exception {
        Path first = Gcc.compile(dir, MAIN, dir.resolve("probe"));
        Path second = Gcc.compile(dir, MAIN, Files.createDirectories(dir.resolve("other")).resolve("probe"));

        BinaryLayer.of(List.of(probe("probe", first), new ResolvedBinary("scheduler", "probe", first, "PATH")), closures);
        GuestBinaryException e = assertThrows(GuestBinaryException.class,
                () -> BinaryLayer.of(List.of(probe("probe", first), probe("probe", second)), closures));

        assertTrue(e.getMessage().contains(first.toString()) && e.getMessage().contains(second.toString())
                && e.getMessage().contains("would both be the guest command 'probe'"), e.getMessage());
    }

    @Test
    void aScriptIsRefusedNamingTheProbe() throws IOException {
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\necho hi\n");

        GuestBinaryException e = assertThrows(GuestBinaryException.class,
                () -> BinaryLayer.of(List.of(probe("run.sh", script)), closures));

        assertTrue(e.getMessage().startsWith("probe 'run.sh' (" + script + ", from a test) cannot run in the guest: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("is not an ELF file"), e.getMessage());
    }

    @Test
    void aBinaryForAnotherArchitectureIsRefusedNamingIt() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        header.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        header.putShort(16, (short) 2).putShort(18, (short) 183);
        Path arm = Files.write(dir.resolve("scx_arm"), header.array());

        GuestBinaryException e = assertThrows(GuestBinaryException.class,
                () -> BinaryLayer.of(List.of(new ResolvedBinary("scheduler", "scx_arm", arm, "PATH")), closures));

        assertTrue(e.getMessage().startsWith("scheduler 'scx_arm' (" + arm + ", from PATH) cannot run in the guest"),
                e.getMessage());
        assertTrue(e.getMessage().contains("aarch64"), e.getMessage());
    }

    @Test
    void aMissingSharedLibraryIsNamedWithTheProbe() throws Exception {
        Path library = Gcc.compile(dir, "int probe_value(void) { return 7; }\n", dir.resolve("libkvmgone.so"),
                "-shared", "-fPIC");
        Path binary = Gcc.compile(dir, "int probe_value(void);\nint main(void) { return probe_value(); }\n",
                dir.resolve("needs-lib"), "-L" + dir, "-lkvmgone", "-Wl,-rpath,$ORIGIN", "-Wl,--enable-new-dtags");
        Files.delete(library);

        GuestBinaryException e = assertThrows(GuestBinaryException.class,
                () -> BinaryLayer.of(List.of(probe("needs-lib", binary)), closures));

        assertTrue(e.getMessage().startsWith("probe 'needs-lib' (" + binary + ", from a test) cannot run in the guest"),
                e.getMessage());
        assertTrue(e.getMessage().contains("library libkvmgone.so needed by " + binary), e.getMessage());
    }
}
