package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.kvmunit.internal.vmm.kernel.RealKernels;
import dev.kvmunit.internal.vmm.launch.TestEnforcement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * The final judge: a real kernel (under QEMU TCG, which runs anywhere) unpacks a cached base plus
 * an overlay and runs our /init from it. Needs a bzImage with RD_LZ4 (Debian's cloud kernel, which
 * {@link RealKernels} provisions) and qemu-system-x86_64; without QEMU it skips, or fails under
 * {@code CI=true}.
 */
class RealKernelUnpackTest {
    private static final String INIT_SOURCE = """
            #include <stdio.h>
            #include <sys/reboot.h>
            #include <sys/stat.h>
            #include <sys/sysmacros.h>
            #include <unistd.h>
            int main(void) {
                char args[100] = {0}, motd[100] = {0}, link[100] = {0};
                FILE *f = fopen("/kvmunit/args", "r"); if (f) fgets(args, sizeof args - 1, f);
                FILE *m = fopen("/etc/motd", "r"); if (m) fgets(motd, sizeof motd - 1, m);
                readlink("/etc/link", link, sizeof link - 1);
                struct stat console, big;
                int console_ok = stat("/dev/console", &console) == 0 && S_ISCHR(console.st_mode)
                        && console.st_rdev == makedev(5, 1);
                long big_size = stat("/big", &big) == 0 ? (long) big.st_size : -1;
                printf("KVMUNIT-IMAGE args=%s console=%d link=%s motd=%s big=%ld\\n", args, console_ok, link, motd, big_size);
                fflush(stdout);
                reboot(RB_POWER_OFF);
                return 0;
            }
            """;

    @TempDir
    Path dir;

    @Test
    void kernelUnpacksBaseAndOverlayAndRunsInit() throws Exception {
        TestEnforcement.ofProcess().require(onPath("qemu-system-x86_64"),
                "qemu-system-x86_64 is not installed: sudo apt-get install qemu-system-x86", TestAbortedException::new);
        Path kernel = RealKernels.image();

        Path init = dir.resolve("init");
        Processes.run(dir, null, List.of("gcc", "-static", "-O2", "-o", init.toString(),
                Files.writeString(dir.resolve("init.c"), INIT_SOURCE).toString()));
        byte[] big = new byte[20_000_000];
        new Random(7).nextBytes(big);
        CachedImage base = new ImageCache(dir.resolve("cache")).base(new InitramfsContents()
                .file("/init", 0755, init)
                .file("/big", 0644, Files.write(dir.resolve("big"), big))
                .file("/etc/motd", 0644, "base".getBytes(StandardCharsets.UTF_8))
                .symlink("/etc/link", "motd")
                .charDevice("/dev/console", 0600, 5, 1));
        byte[] overlay = InitramfsWriter.toBytes(new InitramfsContents()
                .file("/kvmunit/args", 0644, "--from-overlay".getBytes(StandardCharsets.UTF_8))
                .file("/etc/motd", 0644, "overlay".getBytes(StandardCharsets.UTF_8)));
        Path initrd = dir.resolve("initrd");
        try (OutputStream out = Files.newOutputStream(initrd)) {
            Files.copy(base.path(), out);
            out.write(overlay);
        }

        String console = boot(kernel, initrd);

        assertTrue(console.contains("KVMUNIT-IMAGE args=--from-overlay console=1 link=motd motd=overlay big=20000000"),
                console);
        assertTrue(!console.contains("Initramfs unpacking failed"), console);
    }

    private String boot(Path kernel, Path initrd) throws IOException, InterruptedException {
        Path log = dir.resolve("console.log");
        Process qemu = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-M", "pc", "-m", "512",
                "-smp", "1", "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append",
                "console=ttyS0 panic=-1 rdinit=/init quiet initcall_blacklist=cmos_init", "-display", "none",
                "-no-reboot", "-nodefaults", "-serial", "file:" + log)
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        // A guest that never powers off must not hang the build.
        if (!qemu.waitFor(5, TimeUnit.MINUTES)) {
            qemu.destroyForcibly().waitFor();
        }
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}
