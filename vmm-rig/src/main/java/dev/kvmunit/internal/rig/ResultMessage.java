package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Encodes a {@link VmResult} for the RESULT frame. The outcome travels by name, not ordinal. */
final class ResultMessage {
    private ResultMessage() {
    }

    static byte[] encode(VmResult result) {
        PayloadWriter out = new PayloadWriter().string(result.outcome().name()).string(result.detail())
                .u32(result.lastConsoleLines().size());
        result.lastConsoleLines().forEach(out::string);
        return out.u64(result.elapsed().toNanos()).toByteArray();
    }

    static VmResult decode(byte[] payload) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, "RESULT");
        String outcomeName = in.string("outcome");
        VmOutcome outcome;
        try {
            outcome = VmOutcome.valueOf(outcomeName);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("RESULT: unknown outcome '" + outcomeName + "'");
        }
        String detail = in.string("detail");
        int count = in.count(4, "console line");
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(in.string("console line"));
        }
        long elapsedNanos = in.u64("elapsed");
        in.end();
        return new VmResult(outcome, detail, lines, Duration.ofNanos(elapsedNanos));
    }
}
