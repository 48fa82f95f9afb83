package dev.kvmunit.junit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Turns output chunks into lines per stream. A line ends at '\n' (a '\r' before it is dropped);
 * a final line without one is delivered when the command exits. A line longer than
 * {@link #MAX_LINE} is delivered in pieces so that a guest that never prints a newline cannot
 * exhaust host memory.
 */
final class LineSplitter implements ExecListener {
    static final int MAX_LINE = 64 * 1024;

    private final BiConsumer<OutputStreamKind, String> lineConsumer;
    private final Map<OutputStreamKind, ByteArrayOutputStream> partial = new EnumMap<>(OutputStreamKind.class);

    LineSplitter(BiConsumer<OutputStreamKind, String> lineConsumer) {
        this.lineConsumer = lineConsumer;
        for (OutputStreamKind kind : OutputStreamKind.values()) {
            partial.put(kind, new ByteArrayOutputStream());
        }
    }

    @Override
    public void onOutput(OutputStreamKind stream, byte[] chunk) {
        ByteArrayOutputStream line = partial.get(stream);
        for (byte b : chunk) {
            if (b == '\n') {
                emit(stream, line);
            } else {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    emit(stream, line);
                }
            }
        }
    }

    @Override
    public void onExit(ExecResult result) {
        for (OutputStreamKind kind : OutputStreamKind.values()) {
            if (partial.get(kind).size() > 0) {
                emit(kind, partial.get(kind));
            }
        }
    }

    private void emit(OutputStreamKind stream, ByteArrayOutputStream line) {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        line.reset();
        lineConsumer.accept(stream, new String(bytes, 0, length, StandardCharsets.UTF_8));
    }
}
