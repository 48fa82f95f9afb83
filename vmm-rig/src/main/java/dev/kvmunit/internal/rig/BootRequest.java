package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.wire.PayloadReader;
import dev.kvmunit.internal.wire.PayloadWriter;
import dev.kvmunit.internal.wire.ProtocolException;

import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link VmSpec} as it crosses the rig link: files are named by digest, because L1 has its
 * own copies in its blob cache.
 */
record BootRequest(BlobDigest kernel, List<BlobDigest> initramfs, String cmdline, int cpus, int memoryMb,
                   Duration timeout) {
    BootRequest {
        initramfs = List.copyOf(initramfs);
    }

    static BootRequest of(VmSpec spec, Function<Path, BlobDigest> digests) {
        return new BootRequest(digests.apply(spec.kernel()), spec.initramfs().stream().map(digests).toList(),
                spec.cmdline(), spec.cpus(), spec.memoryMb(), spec.timeout());
    }

    /** The spec for a launcher in L1, with each digest resolved to the cached blob file. */
    VmSpec toSpec(Function<BlobDigest, Path> files) {
        return new VmSpec(files.apply(kernel), initramfs.stream().map(files).toList(), cmdline, cpus, memoryMb,
                timeout);
    }

    byte[] encode() {
        PayloadWriter out = new PayloadWriter().bytes(kernel.toByteArray()).u32(initramfs.size());
        initramfs.forEach(digest -> out.bytes(digest.toByteArray()));
        return out.string(cmdline).u32(cpus).u32(memoryMb).u64(timeout.toMillis()).toByteArray();
    }

    static BootRequest decode(byte[] payload) throws ProtocolException {
        PayloadReader in = new PayloadReader(payload, "BOOT request");
        BlobDigest kernel = BlobDigest.read(in, "kernel digest");
        int parts = in.count(4 + BlobDigest.BYTES, "initramfs digest");
        List<BlobDigest> initramfs = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            initramfs.add(BlobDigest.read(in, "initramfs digest"));
        }
        String cmdline = in.string("cmdline");
        int cpus = in.u32("cpus");
        int memoryMb = in.u32("memory");
        long timeoutMillis = in.u64("timeout");
        in.end();
        if (timeoutMillis <= 0) {
            throw new ProtocolException("BOOT request: timeout must be positive, was " + timeoutMillis + " ms");
        }
        return new BootRequest(kernel, initramfs, cmdline, cpus, memoryMb, Duration.ofMillis(timeoutMillis));
    }
}
