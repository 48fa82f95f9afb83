package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebPackageTest {
    private static final String REL = "6.12.0-test-cloud-amd64";

    @TempDir
    Path temp;

    private Path target() throws IOException {
        return Files.createDirectories(temp.resolve("out"));
    }

    @ParameterizedTest
    @ValueSource(strings = {".xz", ".gz", ""})
    void extractsSelectedEntriesOfEveryCompression(String compression) throws IOException {
        Path deb = new DebBuilder()
                .dir("./").dir("./boot/")
                .file("./boot/vmlinuz-" + REL, "kernel")
                .file("./boot/System.map-" + REL, "symbols")
                .file("./lib/modules/" + REL + "/kernel/drivers/virtio/virtio_mmio.ko.xz", "module")
                .file("./usr/share/doc/readme", "doc")
                .dataCompression(compression)
                .writeTo(temp.resolve("k.deb"));
        Path out = target();

        DebPackage.Extraction result = new DebPackage(deb).extract(out,
                name -> name.startsWith("boot/vmlinuz") || name.startsWith("lib/"));

        assertEquals("kernel", Files.readString(out.resolve("boot/vmlinuz-" + REL)));
        assertEquals("module", Files.readString(out.resolve("lib/modules/" + REL + "/kernel/drivers/virtio/virtio_mmio.ko.xz")));
        assertFalse(Files.exists(out.resolve("boot/System.map-" + REL)));
        assertFalse(Files.exists(out.resolve("usr")));
        assertEquals(2, result.files());
        assertEquals(12, result.bytes());
    }

    @Test
    void refusesEntriesThatClimbOutOfTheTarget() throws IOException {
        Path deb = new DebBuilder().file("./boot/../../escaped", "x").writeTo(temp.resolve("evil.deb"));
        Path out = target();

        KernelException e = assertThrows(KernelException.class, () -> new DebPackage(deb).extract(out, n -> true));

        assertTrue(e.getMessage().contains("climbs out"), e.getMessage());
        assertFalse(Files.exists(temp.resolve("escaped")));
    }

    @Test
    void refusesAbsoluteEntries() throws IOException {
        Path deb = new DebBuilder().file("/etc/evil", "x").writeTo(temp.resolve("evil.deb"));

        KernelException e = assertThrows(KernelException.class, () -> new DebPackage(deb).extract(target(), n -> true));

        assertTrue(e.getMessage().contains("absolute path: /etc/evil"), e.getMessage());
    }

    @Test
    void neverWritesThroughASymlinkEvenOneThatPointsInside() throws IOException {
        Path deb = new DebBuilder()
                .dir("./boot")
                .symlink("./lib/inner", "../boot")
                .file("./lib/inner/planted", "x")
                .writeTo(temp.resolve("evil.deb"));
        Path out = target();

        KernelException e = assertThrows(KernelException.class, () -> new DebPackage(deb).extract(out, n -> true));

        assertTrue(e.getMessage().contains("lib/inner/planted would be written through lib/inner"), e.getMessage());
        assertFalse(Files.exists(out.resolve("boot/planted")));
    }

    @Test
    void anEscapingLinkIsNotCreatedSoLaterEntriesStayInside() throws IOException {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Path deb = new DebBuilder()
                .symlink("./lib/escape", "../../outside")
                .file("./lib/escape/planted", "x")
                .writeTo(temp.resolve("evil.deb"));
        Path out = target();

        DebPackage.Extraction result = new DebPackage(deb).extract(out, n -> true);

        assertFalse(Files.exists(outside.resolve("planted")));
        assertTrue(Files.isRegularFile(out.resolve("lib/escape/planted")));
        assertEquals(List.of("lib/escape -> ../../outside"), result.droppedSymlinks());
    }

    @Test
    void keepsLinksThatResolveInsideAndDropsTheOthers() throws IOException {
        Path deb = new DebBuilder()
                .file("./lib/modules/" + REL + "/real.ko", "m")
                .symlink("./lib/modules/" + REL + "/alias.ko", "real.ko")
                .symlink("./lib/modules/" + REL + "/build", "/usr/src/linux-headers-" + REL)
                .symlink("./lib/up", "../..")
                // Inside by its text, outside once "dot" is followed: ./c/b -> ../dot/.. -> parent of target.
                .symlink("./dot", ".")
                .symlink("./c/b", "../dot/..")
                .writeTo(temp.resolve("links.deb"));
        Path out = target();

        DebPackage.Extraction result = new DebPackage(deb).extract(out, n -> true);

        assertEquals("m", Files.readString(out.resolve("lib/modules/" + REL + "/alias.ko")));
        assertFalse(Files.exists(out.resolve("lib/modules/" + REL + "/build"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(out.resolve("lib/up"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(out.resolve("c/b"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(3, result.droppedSymlinks().size(), result.droppedSymlinks().toString());
    }

    @Test
    void namesUnsupportedCompression() throws IOException {
        Path deb = new DebBuilder().file("./boot/vmlinuz", "k").dataCompression(".zst").writeTo(temp.resolve("z.deb"));

        KernelException e = assertThrows(KernelException.class, () -> new DebPackage(deb).extract(target(), n -> true));

        assertTrue(e.getMessage().contains("data.tar.zst") && e.getMessage().contains("'zst' is not supported"),
                e.getMessage());
    }

    @Test
    void refusesHardLinks() throws IOException {
        Path deb = new DebBuilder().file("./a", "x").hardlink("./b", "./a").writeTo(temp.resolve("h.deb"));

        KernelException e = assertThrows(KernelException.class, () -> new DebPackage(deb).extract(target(), n -> true));

        assertTrue(e.getMessage().contains("hard link"), e.getMessage());
    }

    @Test
    void rejectsAFileThatIsNoDebianPackage() throws IOException {
        Path notDeb = Files.writeString(temp.resolve("x.deb"), "<html>404</html>");

        assertThrows(KernelException.class, () -> new DebPackage(notDeb).extract(target(), n -> true));
    }

    @Test
    void reportsATruncatedPackage() throws IOException {
        Path deb = new DebBuilder().file("./boot/vmlinuz-" + REL, "k".repeat(10_000)).writeTo(temp.resolve("k.deb"));
        byte[] bytes = Files.readAllBytes(deb);
        Path truncated = Files.write(temp.resolve("t.deb"), Arrays.copyOf(bytes, bytes.length - 200));

        KernelException e = assertThrows(KernelException.class,
                () -> new DebPackage(truncated).extract(target(), n -> true));

        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
    }
}
