package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.Frame;

import java.nio.charset.StandardCharsets;

/**
 * A {@link Transcript} that keeps a readable log of the channel: one line per frame, with a
 * short preview of text payloads (output, file data, errors, kernel log). Stops growing at
 * {@link #MAX_CHARS} so a chatty guest cannot exhaust host memory.
 */
public final class TextTranscript implements Transcript {
    public static final int MAX_CHARS = 1024 * 1024;
    private static final int PREVIEW_BYTES = 160;

    private final StringBuilder text = new StringBuilder();
    private boolean truncated;

    @Override
    public synchronized void onFrame(Direction direction, Frame frame) {
        if (truncated) {
            return;
        }
        String line = (direction == Direction.TO_GUEST ? "> " : "< ") + FrameType.describe(frame) + preview(frame) + "\n";
        if (text.length() + line.length() > MAX_CHARS) {
            text.append("... transcript truncated at ").append(MAX_CHARS).append(" characters\n");
            truncated = true;
            return;
        }
        text.append(line);
    }

    public synchronized String text() {
        return text.toString();
    }

    @Override
    public String toString() {
        return text();
    }

    private static String preview(Frame frame) {
        int textOffset; // where the text starts: after the fixed fields and the string length
        if (FrameType.STDOUT.matches(frame) || FrameType.STDERR.matches(frame) || FrameType.FILE_DATA.matches(frame)) {
            textOffset = 0;
        } else if (FrameType.ERROR.matches(frame)) {
            textOffset = 12; // code, errno
        } else if (FrameType.KERNEL_LOG.matches(frame)) {
            textOffset = 13; // level, timestamp
        } else {
            return "";
        }
        byte[] payload = frame.payload();
        int start = Math.min(textOffset, payload.length);
        if (start == payload.length) {
            return "";
        }
        int end = Math.min(payload.length, start + PREVIEW_BYTES);
        StringBuilder out = new StringBuilder(" \"");
        for (char c : new String(payload, start, end - start, StandardCharsets.UTF_8).toCharArray()) {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 || c == 0x7f ? '.' : c);
            }
        }
        return out.append(end < payload.length ? "\"..." : "\"").toString();
    }
}
