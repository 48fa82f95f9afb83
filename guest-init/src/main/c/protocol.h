/*
 * Wire constants of the kvmunit agent channel. PROTOCOL.md is the specification;
 * these values and dev.kvmunit.guest.FrameType / ErrorCode mirror it and must change together.
 */
#ifndef KVMUNIT_PROTOCOL_H
#define KVMUNIT_PROTOCOL_H

#define PROTO_MAGIC0 0x4B /* 'K' */
#define PROTO_MAGIC1 0x55 /* 'U' */
#define PROTO_VERSION 1
#define PROTO_HEADER_SIZE 16
#define PROTO_MAX_PAYLOAD (1024u * 1024u)

/* Largest data chunk the agent puts in one STDOUT/STDERR/FILE_DATA frame. */
#define PROTO_DATA_CHUNK (64u * 1024u)

/* Request id reserved for frames that belong to no request (HELLO, unattributable errors). */
#define PROTO_CONNECTION_ID 0u

enum frame_type {
    /* host -> guest */
    T_EXEC = 0x01,
    T_READ_FILE = 0x02,
    T_WRITE_FILE = 0x03,
    T_POWER_OFF = 0x04,
    T_SIGNAL = 0x05,
    /* guest -> host */
    T_HELLO = 0x80,
    T_OK = 0x81,
    T_ERROR = 0x82,
    T_STDOUT = 0x83,
    T_STDERR = 0x84,
    T_EXIT = 0x85,
    T_FILE_DATA = 0x86,
    T_KERNEL_LOG = 0x87,
};

enum error_code {
    E_BAD_MAGIC = 1,
    E_UNSUPPORTED_VERSION = 2,
    E_FRAME_TOO_LARGE = 3,
    E_BAD_CRC = 4,
    E_UNKNOWN_TYPE = 5,
    E_MALFORMED = 6,
    E_DUPLICATE_ID = 7,
    E_BUSY = 8,
    E_EXEC_FAILED = 9,
    E_IO = 10,
    E_FILE_TOO_LARGE = 11,
    E_NO_SUCH_COMMAND = 12,
};

enum exit_kind {
    EXIT_EXITED = 0,
    EXIT_SIGNALED = 1,
    EXIT_TIMED_OUT = 2,
};

#define WRITE_FLAG_APPEND 0x01u
#define WRITE_FLAGS_KNOWN WRITE_FLAG_APPEND

#endif
