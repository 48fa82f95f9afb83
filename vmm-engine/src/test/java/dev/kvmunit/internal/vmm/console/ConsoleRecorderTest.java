package dev.kvmunit.internal.vmm.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ConsoleRecorderTest {
    private final List<String> lines = new ArrayList<>();
    private final ConsoleRecorder recorder = new ConsoleRecorder();

    ConsoleRecorderTest() {
        recorder.addListener(lines::add);
    }

    private void feed(ConsoleRecorder target, String text) {
        target.accept(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void splitsLinesOnLfCrLfAndLoneCrAcrossWrites() {
        feed(recorder, "Linux version 6.12\r");
        feed(recorder, "\nCommand line: console=ttyS0\r\n");
        feed(recorder, "progress 10%\rprogress 20%\nlast");
        assertEquals(List.of("Linux version 6.12", "Command line: console=ttyS0", "progress 10%", "progress 20%"), lines);
        assertEquals(List.of("Linux version 6.12", "Command line: console=ttyS0", "progress 10%", "progress 20%", "last"),
                recorder.lastLines(), "the line still being written is part of the last lines");
    }

    @Test
    void byteByByteOutputLikeAUartGivesTheSameLines() {
        for (byte b : "a\r\nb\n\nc\r\r\n".getBytes(StandardCharsets.US_ASCII)) {
            recorder.accept(new byte[] {b});
        }
        assertEquals(List.of("a", "b", "", "c", ""), lines);
    }

    @Test
    void textKeepsEverythingWhileItFits() {
        feed(recorder, "h\u00e9llo\r\nworld\n");
        assertEquals("h\u00e9llo\r\nworld\n", recorder.text());
        assertFalse(recorder.truncated());
        assertEquals(14, recorder.totalBytes(), "bytes, not characters");
    }

    @Test
    void textKeepsHeadAndTailAndSaysWhatWasOmitted() {
        ConsoleRecorder small = new ConsoleRecorder(20, 10);
        feed(small, "0123456789");
        feed(small, "abcdefghij");
        feed(small, "ABCDEFGHIJ");
        feed(small, "KLM");
        assertTrue(small.truncated());
        assertEquals(33, small.totalBytes());
        assertEquals("0123456789\n[kvmunit: console truncated, 13 bytes omitted]\nDEFGHIJKLM", small.text());
    }

    @Test
    void lastLinesAreBounded() {
        ConsoleRecorder small = new ConsoleRecorder(1024, 3);
        feed(small, "1\n2\n3\n4\n5");
        assertEquals(List.of("3", "4", "5"), small.lastLines());
        feed(small, "\n");
        assertEquals(List.of("3", "4", "5"), small.lastLines());
    }

    @Test
    void aLineWithoutNewlineIsCutAtTheLimit() {
        byte[] flood = new byte[ConsoleRecorder.MAX_LINE_BYTES * 2 + 5];
        java.util.Arrays.fill(flood, (byte) 'x');
        recorder.accept(flood);
        assertEquals(2, lines.size());
        assertEquals(ConsoleRecorder.MAX_LINE_BYTES, lines.get(0).length());
        assertEquals(5, recorder.lastLines().get(2).length());
    }

    @Test
    void endFlushesThePartialLineOnceAndTellsListeners() {
        List<String> events = new ArrayList<>();
        recorder.addListener(new ConsoleListener() {
            @Override
            public void onLine(String line) {
                events.add("line:" + line);
            }

            @Override
            public void onEnd() {
                events.add("end");
            }
        });
        feed(recorder, "reboot: Restarting system");
        recorder.end();
        recorder.end();
        feed(recorder, "late\n");
        assertEquals(List.of("line:reboot: Restarting system", "end"), events);
        assertTrue(recorder.text().endsWith("late\n"), "late bytes still reach the text");
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() {
        recorder.accept(new byte[] {'o', 'k', (byte) 0xC3, '\n'});
        assertEquals(List.of("ok\uFFFD"), lines);
    }

    @Test
    void badRangesAreRejected() {
        assertThrows(IndexOutOfBoundsException.class, () -> recorder.write(new byte[4], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new ConsoleRecorder(1, 10));
        assertThrows(IllegalArgumentException.class, () -> new ConsoleRecorder(100, 0));
    }

    @Test
    void concurrentWritersNeverTearALine() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ConsoleRecorder shared = new ConsoleRecorder();
        shared.addListener(seen::add);
        int writers = 4;
        int perWriter = 2000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String line = "writer-" + w + "-" + "x".repeat(40) + "\n";
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perWriter; i++) {
                    feed(shared, line);
                }
            });
            threads.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(writers * perWriter, seen.size());
        for (String line : seen) {
            assertTrue(line.matches("writer-\\d-x{40}"), line);
        }
    }
}
