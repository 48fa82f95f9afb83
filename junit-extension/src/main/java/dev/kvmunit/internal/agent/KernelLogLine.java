package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.PayloadReader;

import dev.kvmunit.internal.wire.ProtocolException;

/**
 * A kernel log record the guest forwarded (PROTOCOL.md, "KERNEL_LOG").
 *
 * @param level           syslog level, 0 (emerg) to 7 (debug)
 * @param timestampMicros microseconds since the guest booted
 * @param message         the record's text, as /dev/kmsg escapes it
 */
public record KernelLogLine(int level, long timestampMicros, String message) {
    static KernelLogLine decode(byte[] payload) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, "KERNEL_LOG");
        int level = in.u8("level");
        long timestamp = in.u64("timestamp");
        String message = in.string("message");
        in.end();
        if (level > 7) {
            throw new ProtocolException("KERNEL_LOG level " + level + " is not a syslog level (0-7)");
        }
        return new KernelLogLine(level, timestamp, message);
    }

    @Override
    public String toString() {
        return String.format("[%d.%06d] <%d> %s", timestampMicros / 1_000_000, timestampMicros % 1_000_000, level,
                message);
    }
}
