package dev.kvmunit.internal.rig;

/**
 * The kinds of frame that travel between the host ({@link RigLauncher}) and the server inside
 * L1 ({@link RigServer}). Codes are part of the wire format: never renumber, only add.
 * A guest's console, its agent channel and its end travel as frames carrying the request id
 * of the BOOT that started it, so several streams share one link.
 */
public enum RigFrameType {
    /** L1 to host, once: the server is up. Payload: UTF-8 description of the server. */
    READY(1),
    /** Host to L1: does the blob cache hold this digest? Payload: the SHA-256 as a byte array. */
    HAVE_BLOB(2),
    /** L1 to host: answer to HAVE_BLOB. Payload: u8, 1 = present, 0 = absent. */
    BLOB_STATUS(3),
    /** Host to L1: a blob follows. Payload: the SHA-256 as a byte array, u64 size. */
    PUT_BLOB(4),
    /** Host to L1: the next bytes of the blob announced by PUT_BLOB with the same request id. */
    BLOB_CHUNK(5),
    /** L1 to host: the blob arrived whole and matched its digest. Empty payload. */
    BLOB_STORED(6),
    /** Host to L1: boot a guest. Payload: {@link BootRequest}. */
    BOOT(7),
    /** L1 to host: guest console bytes of the request with the same id. */
    CONSOLE(8),
    /** Host to L1: bytes for the guest's agent port. */
    AGENT_TO_GUEST(9),
    /** L1 to host: bytes the guest wrote to its agent port. */
    AGENT_FROM_GUEST(10),
    /** L1 to host: the guest run ended. Payload: {@link ResultMessage}. */
    RESULT(11),
    /** L1 to host: the request with this id failed. Payload: string message. */
    ERROR(12),
    /** Host to L1: stop serving and power L1 off. Empty payload. */
    SHUTDOWN(13),
    /** L1 to host: the guest of this BOOT is running (its VM was created). Empty payload. */
    STARTED(14),
    /** Host to L1: stop the guest of this BOOT now; a RESULT follows. Empty payload. */
    STOP(15),
    /**
     * Host to L1: run a Java program on L1's classpath, for tests that need a kernel-capable
     * {@code /dev/kvm} a host lacks. Payload: u32 count and strings (main class, arguments).
     * Its output comes as CONSOLE frames, then RUN_EXIT.
     */
    RUN(16),
    /** L1 to host: the program of this RUN ended. Payload: u32 exit status. */
    RUN_EXIT(17);

    private static final RigFrameType[] BY_CODE = new RigFrameType[256];

    static {
        for (RigFrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    RigFrameType(int code) {
        this.code = code;
    }

    /** The byte that names this type on the wire. */
    public int code() {
        return code;
    }

    /** The type with this wire code, or {@code null} when the code is unknown. */
    public static RigFrameType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The type's name, or its code when it has none (for error messages). */
    static String describe(int code) {
        RigFrameType type = ofCode(code);
        return type == null ? "type " + code : type.name();
    }
}
