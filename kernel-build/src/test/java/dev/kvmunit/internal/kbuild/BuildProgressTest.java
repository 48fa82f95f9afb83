package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fed with make output captured from a real kernel and sched_ext build, on a clock the test moves. */
class BuildProgressTest {
    private final List<String> lines = new ArrayList<>();
    private long now;

    private BuildProgress progress(String phase, int expected) {
        return new BuildProgress(phase, expected, lines::add, () -> now);
    }

    private void advance(double seconds) {
        now += (long) (seconds * 1e9);
    }

    private static List<String> capturedMakeOutput() throws IOException {
        try (InputStream in = BuildProgressTest.class.getResourceAsStream("make-output.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void countsCompiledObjectsAndSaysAtMostOneLineEveryTwoSeconds() throws IOException {
        BuildProgress progress = progress("kernel", 32);
        List<String> output = capturedMakeOutput();

        for (String line : output) {
            advance(0.5);
            progress.accept(line);
        }

        // 10 CC and 1 AS of kbuild, 2 CC of libbpf, one clang-19 -c and one gcc -c; not AR, LD, BTF, nor gcc -o
        assertEquals(16, progress.objects());
        assertEquals(List.of(
                "[kernel 3% 0:02] CC arch/x86/events/amd/core.o",
                "[kernel 12% 0:04] AR arch/x86/events/amd/built-in.a",
                "[kernel 25% 0:06] CC arch/x86/events/intel/ds.o",
                "[kernel 31% 0:08] AR vmlinux.a",
                "[kernel 31% 0:10] MODPOST vmlinux.symvers",
                "[kernel 37% 0:12] AS .tmp_vmlinux0.kallsyms.o",
                "[kernel 37% 0:14] KSYMS .tmp_vmlinux1.kallsyms.S",
                "[kernel 50% 0:16] gcc .../obj/sched_ext/scx_simple.o"), lines);
    }

    @Test
    void aRawCompilerCommandShowsAsItsCompilerAndObject() throws IOException {
        BuildProgress progress = progress("schedulers", 79);
        String clang = capturedMakeOutput().stream().filter(l -> l.startsWith("clang-19")).findFirst().orElseThrow();
        advance(3);

        progress.accept(clang);

        assertEquals(List.of("[schedulers 1% 0:03] clang-19 .../obj/sched_ext/scx_simple.bpf.o"), lines);
    }

    @Test
    void whileMakeIsQuietATickRepeatsWhereItIsEveryFiveSeconds() {
        BuildProgress progress = progress("kernel", 1000);
        advance(2);
        progress.accept("  LD      vmlinux.o");
        advance(1);
        progress.tick();
        advance(3);
        progress.tick();
        advance(1);
        progress.tick();
        advance(1);
        progress.tick();

        assertEquals(List.of("[kernel 0% 0:02] LD vmlinux.o", "[kernel 0% 0:07] LD vmlinux.o"), lines);
    }

    @Test
    void aLineHeldBackByTheRateLimitComesWithTheNextTick() {
        BuildProgress progress = progress("kernel", 4);
        advance(2);
        progress.accept("  CC      a.o");
        advance(0.5);
        progress.accept("  CC      b.o");
        advance(1.5);
        progress.tick();

        assertEquals(List.of("[kernel 25% 0:02] CC a.o", "[kernel 50% 0:04] CC b.o"), lines);
    }

    @Test
    void moreObjectsThanExpectedStopAt99Percent() {
        BuildProgress progress = progress("kernel", 2);
        for (int i = 0; i < 5; i++) {
            progress.accept("  CC      x" + i + ".o");
        }
        advance(2);
        progress.tick();

        assertEquals(List.of("[kernel 99% 0:02] CC x4.o"), lines);
    }

    @Test
    void aPhaseThatCompilesNothingShowsStatusAndTimeOnly() {
        BuildProgress progress = progress("source", 0);
        progress.status("downloading linux-source-6.12");
        advance(5);
        progress.tick();

        assertEquals(List.of("[source 0:00] downloading linux-source-6.12", "[source 0:05] downloading linux-source-6.12"),
                lines);
    }

    @Test
    void clockReadsMinutesAndSecondsThenHours() {
        assertEquals("0:07", BuildProgress.clock(Duration.ofSeconds(7)));
        assertEquals("7:12", BuildProgress.clock(Duration.ofSeconds(432)));
        assertEquals("1:02:05", BuildProgress.clock(Duration.ofSeconds(3725)));
    }
}
