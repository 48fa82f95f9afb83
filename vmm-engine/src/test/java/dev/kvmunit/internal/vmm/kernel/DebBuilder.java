package dev.kvmunit.internal.vmm.kernel;

import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small .deb files for tests, the way dpkg-deb lays them out (ar of debian-binary, control, data). */
final class DebBuilder {
    private interface TarItem {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private final List<TarItem> items = new ArrayList<>();
    private String dataSuffix = ".xz";

    DebBuilder dir(String name) {
        items.add(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"));
            tar.closeArchiveEntry();
        });
        return this;
    }

    DebBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    DebBuilder file(String name, byte[] content) {
        items.add(tar -> {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        });
        return this;
    }

    DebBuilder symlink(String name, String target) {
        return link(name, target, TarConstants.LF_SYMLINK);
    }

    DebBuilder hardlink(String name, String target) {
        return link(name, target, TarConstants.LF_LINK);
    }

    private DebBuilder link(String name, String target, byte type) {
        items.add(tar -> {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setLinkName(target);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        });
        return this;
    }

    /** ".xz" (default), ".gz", "" or anything else to write garbage under that name. */
    DebBuilder dataCompression(String suffix) {
        this.dataSuffix = suffix;
        return this;
    }

    Path writeTo(Path deb) throws IOException {
        try (OutputStream out = Files.newOutputStream(deb); ArArchiveOutputStream ar = new ArArchiveOutputStream(out)) {
            member(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
            member(ar, "control.tar.xz", xz(tar(List.of())));
            member(ar, "data.tar" + dataSuffix, compressedData());
        }
        return deb;
    }

    private byte[] compressedData() throws IOException {
        byte[] tar = tar(items);
        switch (dataSuffix) {
            case ".xz":
                return xz(tar);
            case ".gz":
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (OutputStream gz = new GzipCompressorOutputStream(bytes)) {
                    gz.write(tar);
                }
                return bytes.toByteArray();
            case "":
                return tar;
            default:
                return "not really compressed".getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static byte[] tar(List<TarItem> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarItem item : entries) {
                item.write(tar);
            }
        }
        return bytes.toByteArray();
    }

    /** Preset 0: test archives are tiny, and higher presets allocate a large dictionary per call. */
    private static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream xz = new XZOutputStream(bytes, new LZMA2Options(0))) {
            xz.write(data);
        }
        return bytes.toByteArray();
    }

    private static void member(ArArchiveOutputStream ar, String name, byte[] content) throws IOException {
        ar.putArchiveEntry(new ArArchiveEntry(name, content.length));
        ar.write(content);
        ar.closeArchiveEntry();
    }
}
