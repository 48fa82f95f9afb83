package dev.kvmunit.vmm.rig;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleTailTest {
    @Test
    void joinsLinesSplitAcrossChunksAndKeepsOnlyTheLastOnes() {
        ConsoleTail tail = new ConsoleTail(2);

        feed(tail, "one\r\ntw");
        feed(tail, "o\nthree\nfou");

        assertEquals(List.of("three", "fou"), tail.lastLines());
    }

    @Test
    void remembersTheFirstPanicLine() {
        ConsoleTail tail = new ConsoleTail(10);

        feed(tail, "[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n");
        feed(tail, "[ 1.1] Kernel panic - not syncing: second\n");

        assertEquals("[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs", tail.panicLine());
    }

    @Test
    void noPanicWithoutTheMark() {
        ConsoleTail tail = new ConsoleTail(10);

        feed(tail, "panic=-1 on the command line\n");

        assertNull(tail.panicLine());
    }

    @Test
    void endlessLineIsCutInsteadOfGrowingWithoutBound() {
        ConsoleTail tail = new ConsoleTail(3);

        feed(tail, "x".repeat(10_000));

        assertTrue(tail.lastLines().stream().allMatch(line -> line.length() <= 4096), "lines are bounded");
        assertEquals(3, tail.lastLines().size());
    }

    private static void feed(ConsoleTail tail, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        tail.accept(bytes, 0, bytes.length);
    }
}
