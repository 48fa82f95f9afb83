package dev.kvmunit.vmm;

import dev.kvmunit.vmm.console.ConsoleRecorder;
import dev.kvmunit.vmm.console.KernelCrash;
import dev.kvmunit.vmm.console.KernelCrashDetector;
import dev.kvmunit.vmm.launch.VmListener;

import java.util.List;
import java.util.Optional;

/**
 * One guest's console as a launcher sees it: every byte goes to the listener as it comes,
 * and is recorded so the result can carry the last lines and the kernel's panic report.
 */
final class GuestConsole {
    private final VmListener listener;
    private final ConsoleRecorder recorder = new ConsoleRecorder();
    private volatile KernelCrash panic;

    GuestConsole(VmListener listener) {
        this.listener = listener;
        recorder.addListener(new KernelCrashDetector(this::crashed));
    }

    void accept(byte[] data) {
        listener.onConsole(data);
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
    Optional<KernelCrash> end() {
        recorder.end();
        return Optional.ofNullable(panic);
    }

    List<String> lastLines() {
        return recorder.lastLines();
    }
}
