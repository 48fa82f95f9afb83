package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Unpacks an initrd the way init/initramfs.c's unpack_to_rootfs does, into a map of path to
 * entry: zero bytes between archives are skipped, each compressed stream must end exactly after a
 * cpio trailer ("junk at the end of compressed archive" otherwise), and a later entry replaces an
 * earlier one of the same path.
 */
final class KernelInitramfsReader {
    /** A file as the kernel would create it. */
    record Node(int mode, byte[] data, int rdevMajor, int rdevMinor) {
    }

    private KernelInitramfsReader() {
    }

    static Map<String, Node> unpack(byte[] initrd) {
        Map<String, Node> root = new LinkedHashMap<>();
        int at = 0;
        while (at < initrd.length) {
            if (initrd[at] == 0) {
                at++;
                continue;
            }
            KernelLz4Reader.Decoded stream = KernelLz4Reader.decode(initrd, at);
            assertTrue(stream.end() > at, "decoder made progress");
            readArchives(stream.bytes(), root);
            at = stream.end();
        }
        return root;
    }

    /** Reads one or more concatenated newc archives that must end right after a trailer and its padding. */
    private static void readArchives(byte[] cpio, Map<String, Node> root) {
        int at = 0;
        boolean afterTrailer = false;
        while (at < cpio.length) {
            if (cpio[at] == 0) {
                assertTrue(afterTrailer, "zero bytes only as padding after a trailer");
                at++;
                continue;
            }
            assertEquals(0, at % 4, "headers are 4-byte aligned");
            String header = new String(cpio, at, 110, StandardCharsets.US_ASCII);
            assertEquals("070701", header.substring(0, 6), "newc magic at " + at);
            int mode = field(header, 1);
            int fileSize = field(header, 6);
            int rdevMajor = field(header, 9);
            int rdevMinor = field(header, 10);
            int nameSize = field(header, 11);
            String name = new String(cpio, at + 110, nameSize - 1, StandardCharsets.UTF_8);
            int data = align(at + 110 + nameSize);
            at = align(data + fileSize);
            if (name.equals("TRAILER!!!")) {
                afterTrailer = true;
                continue;
            }
            afterTrailer = false;
            root.put(name, new Node(mode, Arrays.copyOfRange(cpio, data, data + fileSize), rdevMajor, rdevMinor));
        }
        assertTrue(afterTrailer, "a compressed stream must end with a complete archive");
    }

    private static int field(String header, int index) {
        return Integer.parseUnsignedInt(header.substring(6 + index * 8, 14 + index * 8), 16);
    }

    private static int align(int offset) {
        return (offset + 3) & ~3;
    }
}
