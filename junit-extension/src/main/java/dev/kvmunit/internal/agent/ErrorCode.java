package dev.kvmunit.internal.agent;

/**
 * Why the guest refused or failed a request: the code of an ERROR frame (PROTOCOL.md,
 * "Errors"). Mirrors {@code protocol.h}.
 */
public enum ErrorCode {
    /** Bytes that did not start a frame were skipped. */
    BAD_MAGIC(1),
    UNSUPPORTED_VERSION(2),
    FRAME_TOO_LARGE(3),
    BAD_CRC(4),
    UNKNOWN_TYPE(5),
    /** The payload does not decode as the request type's layout. */
    MALFORMED(6),
    /** A running EXEC already uses the request id. */
    DUPLICATE_ID(7),
    /** Too many commands are running. */
    BUSY(8),
    /** The command could not be started (fork, chdir or execve failed; see the errno). */
    EXEC_FAILED(9),
    /** A file operation failed; see the errno. */
    IO(10),
    /** READ_FILE found more bytes than the requested limit. */
    FILE_TOO_LARGE(11),
    /** SIGNAL named a request id that is not a running command. */
    NO_SUCH_COMMAND(12),
    /** A code this version does not know (a newer guest). */
    UNRECOGNIZED(-1);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static ErrorCode of(int code) {
        for (ErrorCode value : values()) {
            if (value.code == code) {
                return value;
            }
        }
        return UNRECOGNIZED;
    }
}
