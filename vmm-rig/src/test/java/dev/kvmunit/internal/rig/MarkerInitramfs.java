package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.image.InitramfsContents;
import dev.kvmunit.internal.vmm.image.InitramfsWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
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
            "KVMUNIT-RIG-MARKER release=(\\S+) cpus=(-?\\d+) online=(\\S+) uptime=(\\S+)");

    /**
     * What the guest reported.
     *
     * @param uptime seconds on the guest's clock from kernel start to /init, "?" if unknown
     */
    record Marker(String release, int cpus, String online, String uptime) {
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

    /** Writes the marker image (our own cpio + LZ4 writer, as every guest image is made). */
    static Path write(Path directory) throws IOException {
        try (InputStream init = MarkerInitramfs.class.getResourceAsStream("/rig-marker-init")) {
            if (init == null) {
                throw new IllegalStateException("rig-marker-init is not on the test classpath; the build compiles it"
                        + " with gcc -static in process-test-classes (install gcc and libc6-dev)");
            }
            return InitramfsWriter.writeFile(new InitramfsContents().file("/init", 0755, init.readAllBytes()),
                    directory.resolve("marker-initramfs.cpio.lz4"));
        }
    }

    /** The marker in the console text, if the guest got that far. */
    static Optional<Marker> find(String console) {
        Matcher m = MARKER.matcher(console);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Marker(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4)));
    }
}
