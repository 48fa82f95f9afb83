package dev.kvmunit.vmm.rig;

import dev.kvmunit.vmm.launch.VmOutcome;
import dev.kvmunit.vmm.launch.VmResult;

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

    static VmResult decode(byte[] payload) throws RigProtocolException {
        PayloadReader in = new PayloadReader(payload, "RESULT");
        String outcomeName = in.string();
        VmOutcome outcome;
        try {
            outcome = VmOutcome.valueOf(outcomeName);
        } catch (IllegalArgumentException e) {
            throw new RigProtocolException("RESULT: unknown outcome '" + outcomeName + "'");
        }
        String detail = in.string();
        int count = in.count(4);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(in.string());
        }
        long elapsedNanos = in.u64();
        in.end();
        return new VmResult(outcome, detail, lines, Duration.ofNanos(elapsedNanos));
    }
}
