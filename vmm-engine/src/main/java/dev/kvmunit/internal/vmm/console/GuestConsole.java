package dev.kvmunit.internal.vmm.console;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One guest's console as a launcher sees it: every byte is forwarded as it comes, and is
 * recorded so the result can carry the last lines and the kernel's panic report.
 */
public final class GuestConsole {
    private final Consumer<byte[]> forward;
    private final ConsoleRecorder recorder = new ConsoleRecorder();
    private volatile KernelCrash panic;

    /** @param forward receives every chunk first, e.g. a launcher's {@code VmListener::onConsole} */
    public GuestConsole(Consumer<byte[]> forward) {
        this.forward = forward;
        recorder.addListener(new KernelCrashDetector(this::crashed));
    }

    public void accept(byte[] data) {
        forward.accept(data);
        recorder.accept(data);
    }

    private void crashed(KernelCrash crash) {
        if (crash.kind() == KernelCrash.Kind.PANIC && panic == null) {
            panic = crash;
        }
    }

    /**
     * Ends the console, which completes a panic report cut short: with {@code panic=-1} the
     * kernel resets before printing its end marker. Returns the first panic, if any.
     */
    public Optional<KernelCrash> end() {
        recorder.end();
        return Optional.ofNullable(panic);
    }

    public List<String> lastLines() {
        return recorder.lastLines();
    }
}
