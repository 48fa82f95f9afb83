package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.Frame;
import dev.kvmunit.internal.wire.FrameCodec;

import java.util.Optional;

/**
 * The type byte of a frame (PROTOCOL.md, "Message types"). Codes below 0x80 are requests
 * from the host, codes from 0x80 up are sent by the guest. Mirrors {@code protocol.h}.
 */
public enum FrameType {
    EXEC(0x01),
    READ_FILE(0x02),
    WRITE_FILE(0x03),
    POWER_OFF(0x04),
    SIGNAL(0x05),
    HELLO(0x80),
    OK(0x81),
    ERROR(0x82),
    STDOUT(0x83),
    STDERR(0x84),
    EXIT(0x85),
    FILE_DATA(0x86),
    KERNEL_LOG(0x87);

    /** Reads and writes the agent channel's frames, naming their types in errors. */
    public static final FrameCodec CODEC = new FrameCodec("agent channel", FrameType::describe);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or empty for codes this version does not know. */
    public static Optional<FrameType> of(int code) {
        for (FrameType type : values()) {
            if (type.code == code) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** The type's name, or its code in hex when it has none (for transcripts and messages). */
    public static String describe(int code) {
        return of(code).map(Enum::name).orElse(String.format("0x%02x", code));
    }

    /** A frame as transcripts and messages show it: its type's name, request id and length. */
    public static String describe(Frame frame) {
        return describe(frame.type()) + " id=" + Integer.toUnsignedString(frame.requestId()) + " len="
                + frame.payloadLength();
    }

    /** A frame of this type. */
    public Frame frame(int requestId, byte[] payload) {
        return new Frame(code, requestId, payload);
    }

    public boolean matches(Frame frame) {
        return frame.type() == code;
    }
}
