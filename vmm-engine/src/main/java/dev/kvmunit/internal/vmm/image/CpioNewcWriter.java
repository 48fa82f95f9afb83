package dev.kvmunit.internal.vmm.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * Writes {@link InitramfsContents} as a cpio "newc" archive, the only format the kernel's
 * initramfs unpacker reads. Everything that would make two builds of the same tree differ is
 * fixed: mtime 0, uid/gid 0, inode numbers assigned in path order, one link per file (so the
 * kernel never tries to hard-link entries, which it does only for nlink >= 2).
 */
final class CpioNewcWriter {
    /** Padding of the trailer; a multiple of 4 is all the kernel needs between concatenated archives. */
    private static final int BLOCK_SIZE = 512;

    private CpioNewcWriter() {
    }

    /** Writes the archive, including its trailer, and finishes (but does not close) {@code out}. */
    static void write(InitramfsContents contents, OutputStream out) throws IOException {
        CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(new NonClosing(out), CpioConstants.FORMAT_NEW,
                BLOCK_SIZE, StandardCharsets.UTF_8.name());
        long inode = 1;
        for (ImageEntry entry : contents.entries()) {
            writeEntry(cpio, entry, inode++);
        }
        cpio.finish();
        cpio.close();
    }

    private static void writeEntry(CpioArchiveOutputStream cpio, ImageEntry entry, long inode) throws IOException {
        CpioArchiveEntry header = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, entry.path());
        header.setMode(entry.fullMode());
        header.setInode(inode);
        header.setUID(0);
        header.setGID(0);
        header.setTime(0);
        header.setNumberOfLinks(entry instanceof ImageEntry.Directory ? 2 : 1);
        if (entry instanceof ImageEntry.RegularFile file) {
            writeFile(cpio, header, file);
        } else if (entry instanceof ImageEntry.Symlink link) {
            byte[] target = link.targetBytes();
            header.setSize(target.length);
            cpio.putArchiveEntry(header);
            cpio.write(target);
            cpio.closeArchiveEntry();
        } else if (entry instanceof ImageEntry.CharDevice device) {
            header.setRemoteDeviceMaj(device.major());
            header.setRemoteDeviceMin(device.minor());
            writeWithoutData(cpio, header);
        } else {
            writeWithoutData(cpio, header);
        }
    }

    private static void writeWithoutData(CpioArchiveOutputStream cpio, CpioArchiveEntry header) throws IOException {
        header.setSize(0);
        cpio.putArchiveEntry(header);
        cpio.closeArchiveEntry();
    }

    private static void writeFile(CpioArchiveOutputStream cpio, CpioArchiveEntry header, ImageEntry.RegularFile file)
            throws IOException {
        long size = file.content().size();
        header.setSize(size);
        cpio.putArchiveEntry(header);
        try (InputStream in = file.content().open()) {
            copyExactly(in, cpio, size, file);
        }
        cpio.closeArchiveEntry();
    }

    /** Copies {@code size} bytes; a file that grew or shrank since its size was taken would corrupt the archive. */
    private static void copyExactly(InputStream in, OutputStream out, long size, ImageEntry.RegularFile file)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long remaining = size;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                break;
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
        if (remaining != 0 || in.read() >= 0) {
            throw new IOException("/" + file.path() + " changed size while the image was written (" + file.content()
                    + " had " + size + " bytes when its header was written); rebuild once it is stable");
        }
    }

    /** Lets the caller keep writing after the archive (a compressor still needs its final block). */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
