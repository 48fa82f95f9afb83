package dev.kvmunit.internal.agent;

import dev.kvmunit.internal.wire.PayloadReader;

import dev.kvmunit.internal.wire.ProtocolException;

/**
 * What the guest says first on the agent channel (PROTOCOL.md, "HELLO").
 *
 * @param kernelRelease   {@code uname -r} of the guest kernel
 * @param cpusOnline      CPUs online when the agent started
 * @param memoryBytes     total RAM the kernel manages
 * @param schedExtState   first line of /sys/kernel/sched_ext/state, empty without sched_ext
 * @param maxPayload      largest frame payload the guest accepts
 */
public record Hello(String kernelRelease, int cpusOnline, long memoryBytes, String schedExtState, int maxPayload) {

    static Hello decode(byte[] payload) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, "HELLO");
        Hello hello = new Hello(in.string("kernel release"), in.u32("cpus online"), in.u64("memory total"),
                in.string("sched_ext state"), in.u32("max payload"));
        in.end();
        return hello;
    }
}
