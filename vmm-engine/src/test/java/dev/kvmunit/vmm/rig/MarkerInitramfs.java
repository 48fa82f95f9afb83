package dev.kvmunit.vmm.rig;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The L2 test initramfs: just {@code /init}, the static marker program the build compiles from
 * {@code src/test/c/rig-marker-init.c}, and the parser for the line it prints.
 */
final class MarkerInitramfs {
    /**
     * Quiet, because every console byte is an I/O exit and those are dear in a nested guest;
     * without rtc_cmos, whose update-in-progress polling stalled L2 for over 20 s in the rig.
     */
    static final String CMDLINE = "console=ttyS0 reboot=k panic=-1 quiet initcall_blacklist=cmos_init";
    private static final Pattern MARKER = Pattern.compile(
            "KVMUNIT-RIG-MARKER release=(\\S+) cpus=(-?\\d+) online=(\\S+)");

    /** What the guest reported. */
    record Marker(String release, int cpus, String online) {
        /** The number of CPUs in the sysfs list, e.g. 4 for "0-3" and 3 for "0,2-3". */
        int onlineCount() {
            int count = 0;
            for (String range : online.split(",")) {
                String[] ends = range.split("-");
                count += ends.length == 1 ? 1 : Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1;
            }
            return count;
        }
    }

    private MarkerInitramfs() {
    }

    static Path write(Path directory) throws IOException {
        Path archive = directory.resolve("marker-initramfs.cpio");
        try (InputStream init = MarkerInitramfs.class.getResourceAsStream("/rig-marker-init");
             OutputStream out = Files.newOutputStream(archive);
             CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(out, CpioConstants.FORMAT_NEW)) {
            if (init == null) {
                throw new IllegalStateException("rig-marker-init is not on the test classpath; the build compiles it"
                        + " with gcc -static in process-test-classes (install gcc and libc6-dev)");
            }
            byte[] program = init.readAllBytes();
            CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "init", program.length);
            entry.setMode(CpioConstants.C_ISREG | 0755);
            entry.setInode(1);
            entry.setNumberOfLinks(1);
            cpio.putArchiveEntry(entry);
            cpio.write(program);
            cpio.closeArchiveEntry();
        }
        return archive;
    }

    /** The marker in the console text, if the guest got that far. */
    static java.util.Optional<Marker> find(String console) {
        Matcher m = MARKER.matcher(console);
        if (!m.find()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Marker(m.group(1), Integer.parseInt(m.group(2)), m.group(3)));
    }
}
