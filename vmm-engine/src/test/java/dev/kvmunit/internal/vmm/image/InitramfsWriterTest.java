package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archives we write are judged by Debian's lz4 and GNU cpio, and by the kernel's unlz4 rules. */
class InitramfsWriterTest {
    @TempDir
    Path dir;

    @Test
    void unpacksWithFilesModesSymlinksAndEmptyFiles() throws Exception {
        Path hostFile = Files.writeString(dir.resolve("host.txt"), "from the host\n");
        InitramfsContents contents = new InitramfsContents()
                .file("/bin/tool", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8))
                .file("etc/hosted", 0640, hostFile)
                .file("/etc/empty", 0600, new byte[0])
                .directory("/srv/private", 0700)
                .symlink("/usr/bin/tool", "../../bin/tool")
                .symlink("/etc/absolute", "/etc/hosted");

        Path root = unpack(InitramfsWriter.toBytes(contents));

        assertEquals("#!/bin/sh\necho hi\n", Files.readString(root.resolve("bin/tool")));
        assertEquals("rwxr-xr-x", permissions(root.resolve("bin/tool")));
        assertEquals("from the host\n", Files.readString(root.resolve("etc/hosted")));
        assertEquals("rw-r-----", permissions(root.resolve("etc/hosted")));
        assertEquals(0, Files.size(root.resolve("etc/empty")));
        assertEquals("rw-------", permissions(root.resolve("etc/empty")));
        assertTrue(Files.isDirectory(root.resolve("srv/private")));
        assertEquals("rwx------", permissions(root.resolve("srv/private")));
        assertEquals("rwxr-xr-x", permissions(root.resolve("srv")), "implicit parents are 0755");
        assertEquals(Path.of("../../bin/tool"), Files.readSymbolicLink(root.resolve("usr/bin/tool")));
        assertEquals(Path.of("/etc/hosted"), Files.readSymbolicLink(root.resolve("etc/absolute")));
    }

    @Test
    void deviceNodesCarryTypeAndNumbers() throws Exception {
        InitramfsContents contents = new InitramfsContents().charDevice("/dev/console", 0600, 5, 1)
                .charDevice("/dev/null", 0666, 1, 3);
        Path cpio = dir.resolve("devices.cpio");
        Files.write(cpio, KernelLz4Reader.decode(InitramfsWriter.toBytes(contents)));

        String listing = Processes.run(dir, cpio, List.of("cpio", "-itv", "--quiet"));

        assertTrue(listing.lines().anyMatch(l -> l.startsWith("crw-------") && l.matches(".*\\b5,\\s+1\\b.*")
                && l.endsWith(" dev/console")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("crw-rw-rw-") && l.matches(".*\\b1,\\s+3\\b.*")
                && l.endsWith(" dev/null")), listing);
    }

    @Test
    void filesLargerThanOneBlockSpanBlocksTheKernelCanDecode() throws Exception {
        byte[] incompressible = new byte[(Lz4LegacyOutputStream.BLOCK_SIZE * 2) + 12345];
        new Random(42).nextBytes(incompressible);
        byte[] compressible = new byte[Lz4LegacyOutputStream.BLOCK_SIZE + 1];
        for (int i = 0; i < compressible.length; i++) {
            compressible[i] = (byte) (i % 251);
        }
        Path big = Files.write(dir.resolve("big.bin"), incompressible);
        InitramfsContents contents = new InitramfsContents().file("/data/random", 0644, big)
                .file("/data/pattern", 0644, compressible);

        byte[] archive = InitramfsWriter.toBytes(contents);

        assertTrue(blockCount(archive) >= 4, "expected several 8 MiB blocks, got " + blockCount(archive));
        byte[] kernelView = KernelLz4Reader.decode(archive);
        Path root = unpack(archive);
        assertArrayEquals(incompressible, Files.readAllBytes(root.resolve("data/random")));
        assertArrayEquals(compressible, Files.readAllBytes(root.resolve("data/pattern")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("archive.cpio")), kernelView,
                "the kernel's reading and lz4's must agree");
    }

    @Test
    void equalContentGivesEqualBytesWhateverTheOrderOfAdding() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "aaa");
        byte[] first = InitramfsWriter.toBytes(new InitramfsContents().file("/x/a", 0644, a)
                .symlink("/x/b", "a").charDevice("/dev/console", 0600, 5, 1));
        Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        byte[] second = InitramfsWriter.toBytes(new InitramfsContents().charDevice("/dev/console", 0600, 5, 1)
                .symlink("x/b", "a").file("x/a", 0644, "aaa".getBytes(StandardCharsets.UTF_8)));

        assertArrayEquals(first, second);
        byte[] different = InitramfsWriter.toBytes(new InitramfsContents().file("/x/a", 0600, a)
                .symlink("/x/b", "a").charDevice("/dev/console", 0600, 5, 1));
        assertFalse(java.util.Arrays.equals(first, different), "a mode change must change the archive");
    }

    @Test
    void concatenatedArchivesDecodeAsBothArchivesInOrder() throws Exception {
        InitramfsContents base = new InitramfsContents().file("/etc/motd", 0644, bytes("base"));
        InitramfsContents overlay = new InitramfsContents().file("/etc/motd", 0644, bytes("overlay"))
                .file("/args", 0644, bytes("--flag"));
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        InitramfsWriter.write(base, both);
        InitramfsWriter.write(overlay, both);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        CpioNewcWriter.write(base, expected);
        assertEquals(0, expected.size() % 4, "the next archive must start 4-byte aligned");
        CpioNewcWriter.write(overlay, expected);

        assertArrayEquals(expected.toByteArray(), KernelLz4Reader.decode(both.toByteArray()));
        Path lz4 = Files.write(dir.resolve("both.lz4"), both.toByteArray());
        Processes.run(dir, null, List.of("lz4", "-d", "-f", "-q", lz4.toString(), "both.cpio"));
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(dir.resolve("both.cpio")));
    }

    @Test
    void streamStartsWithTheLegacyMagicAndNeverWritesAnEmptyBlock() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Lz4LegacyOutputStream lz4 = new Lz4LegacyOutputStream(out)) {
            lz4.write(new byte[Lz4LegacyOutputStream.BLOCK_SIZE]);
        }
        byte[] stream = out.toByteArray();

        assertEquals(Lz4LegacyOutputStream.MAGIC, ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).getInt());
        assertEquals(1, blockCount(stream), "exactly one full block, no trailing empty one");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int blockCount(byte[] stream) {
        ByteBuffer in = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        in.getInt();
        int blocks = 0;
        while (in.remaining() >= 4) {
            int size = in.getInt();
            assertTrue(size > 0, "block of size " + size);
            in.position(in.position() + size);
            blocks++;
        }
        assertEquals(0, in.remaining(), "stream ends at a block boundary");
        return blocks;
    }

    /** Decompresses with Debian's lz4 and unpacks with GNU cpio into a fresh directory. */
    private Path unpack(byte[] archive) throws IOException, InterruptedException {
        Path lz4 = Files.write(dir.resolve("archive.lz4"), archive);
        Processes.run(dir, null, List.of("lz4", "-d", "-f", "-q", lz4.toString(), "archive.cpio"));
        Path root = Files.createDirectory(dir.resolve("root"));
        Processes.run(root, dir.resolve("archive.cpio"), List.of("cpio", "-idm", "--quiet", "--no-absolute-filenames"));
        return root;
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }
}
