package dev.kvmunit.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();
    private final ExecListener splitter = ExecListener.lines((stream, line) -> lines.add(stream + ":" + line));

    @Test
    void linesSplitAcrossChunksAreJoinedPerStream() {
        out(OutputStreamKind.STDOUT, "hel");
        out(OutputStreamKind.STDERR, "warn");
        out(OutputStreamKind.STDOUT, "lo\nwor");
        out(OutputStreamKind.STDERR, "ing\r\n");
        out(OutputStreamKind.STDOUT, "ld\n\n");
        assertEquals(List.of("STDOUT:hello", "STDERR:warning", "STDOUT:world", "STDOUT:"), lines);
    }

    @Test
    void unterminatedLastLinesArriveAtExit() {
        out(OutputStreamKind.STDOUT, "done\npartial");
        out(OutputStreamKind.STDERR, "tail");
        assertEquals(List.of("STDOUT:done"), lines);
        splitter.onExit(new ExecResult(0, 0, new byte[0], new byte[0], false, false));
        assertEquals(List.of("STDOUT:done", "STDOUT:partial", "STDERR:tail"), lines);
    }

    @Test
    void endlessLinesAreDeliveredInBoundedPieces() {
        out(OutputStreamKind.STDOUT, "x".repeat(LineSplitter.MAX_LINE + 5) + "\n");
        assertEquals(2, lines.size());
        assertEquals("STDOUT:" + "x".repeat(LineSplitter.MAX_LINE), lines.get(0));
        assertEquals("STDOUT:xxxxx", lines.get(1));
    }

    @Test
    void multiByteCharactersSplitBetweenChunksSurvive() {
        byte[] text = "grüße\n".getBytes(StandardCharsets.UTF_8);
        splitter.onOutput(OutputStreamKind.STDOUT, Arrays.copyOf(text, 3));
        splitter.onOutput(OutputStreamKind.STDOUT, Arrays.copyOfRange(text, 3, text.length));
        assertEquals(List.of("STDOUT:grüße"), lines);
    }

    private void out(OutputStreamKind stream, String text) {
        splitter.onOutput(stream, text.getBytes(StandardCharsets.UTF_8));
    }
}
