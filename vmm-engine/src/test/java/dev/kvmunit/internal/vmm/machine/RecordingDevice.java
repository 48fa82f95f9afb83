package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.devices.IoDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A test device: records every write as (offset, width, value, thread name) and answers
 * reads from a supplier. Thread-safe, since vCPU threads write while the test reads.
 */
final class RecordingDevice implements IoDevice {
    record Access(long offset, int width, long value, String thread) {
    }

    private final List<Access> writes = new ArrayList<>();
    private final LongSupplier reads;

    RecordingDevice(LongSupplier reads) {
        this.reads = reads;
    }

    RecordingDevice() {
        this(() -> 0);
    }

    @Override
    public void read(long offset, byte[] data) {
        long value = reads.getAsLong();
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        long value = 0;
        for (int i = 0; i < data.length; i++) {
            value |= (data[i] & 0xFFL) << (8 * i);
        }
        writes.add(new Access(offset, data.length, value, Thread.currentThread().getName()));
    }

    synchronized List<Access> writes() {
        return List.copyOf(writes);
    }

    synchronized List<Long> values() {
        return writes.stream().map(Access::value).toList();
    }
}
