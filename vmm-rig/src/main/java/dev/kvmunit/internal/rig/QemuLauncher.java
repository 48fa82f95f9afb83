package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.console.ConsoleRecorder;
import dev.kvmunit.internal.vmm.console.GuestConsole;
import dev.kvmunit.internal.vmm.console.KernelCrash;
import dev.kvmunit.internal.vmm.launch.NoAgentChannel;
import dev.kvmunit.internal.vmm.launch.RunningVm;
import dev.kvmunit.internal.vmm.launch.VmLaunchException;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Boots a guest with {@code qemu-system-x86_64}. Inside the rig's L1 it proves the rig end to
 * end independently of our engine and is the yardstick our engine is benchmarked against; on
 * a plain host it can run with TCG.
 */
public final class QemuLauncher implements VmLauncher {
    /** The QEMU machine model; both boot a bzImage directly with {@code -kernel}. */
    public enum Machine {
        /** Minimal machine without PCI or firmware tables beyond ACPI: the fastest boot. */
        MICROVM("microvm,acpi=on"),
        /** Full PC with PCI and SeaBIOS: the most compatible. */
        Q35("q35");

        private final String option;

        Machine(String option) {
            this.option = option;
        }
    }

    /** How QEMU executes guest code: hardware KVM, or TCG emulation where KVM cannot. */
    public enum Accelerator {
        KVM, TCG
    }

    /** QEMU's own stderr: only its last lines matter, for the message when it fails. */
    private static final int ERROR_LINES = 60;
    private static final int ERROR_BYTES = 64 * 1024;

    private final Path qemu;
    private final Machine machine;
    private final Accelerator accelerator;

    public QemuLauncher(Path qemu, Machine machine, Accelerator accelerator) {
        this.qemu = qemu;
        this.machine = machine;
        this.accelerator = accelerator;
    }

    @Override
    public RunningVm start(VmSpec spec, VmListener listener) {
        if (!Files.isExecutable(qemu)) {
            throw new VmLaunchException("QEMU binary " + qemu + " is missing or not executable; install"
                    + " qemu-system-x86 or pass the right path");
        }
        Path initrd = null;
        try {
            initrd = spec.initramfs().isEmpty() ? null : concatenate(spec.initramfs());
            return new QemuGuest(spec, initrd, new ProcessBuilder(command(spec, initrd)).start(), listener);
        } catch (IOException e) {
            deleteTemporary(initrd);
            throw new VmLaunchException("cannot start " + qemu + ": " + e.getMessage(), e);
        }
    }

    /**
     * One QEMU process. It has no agent channel: QEMU inside the rig is there to be measured
     * against, booting the same kernel and initramfs, not to run tests.
     */
    private static final class QemuGuest implements RunningVm {
        private final VmSpec spec;
        private final Path initrd;
        private final Process process;
        private final long startNanos = System.nanoTime();
        private final GuestConsole console;
        private final ConsoleRecorder errors = new ConsoleRecorder(ERROR_BYTES, ERROR_LINES);
        private final Thread consolePump;
        private final Thread errorPump;
        private VmResult result;

        QemuGuest(VmSpec spec, Path initrd, Process process, VmListener listener) throws IOException {
            this.spec = spec;
            this.initrd = initrd;
            this.process = process;
            // The serial port is QEMU's stdio; the guest gets no input, so it sees end of file at once.
            process.getOutputStream().close();
            this.console = new GuestConsole(listener::onConsole);
            this.consolePump = pump(process.getInputStream(), console::accept);
            this.errorPump = pump(process.getErrorStream(), errors);
        }

        @Override
        public InputStream fromAgent() {
            return InputStream.nullInputStream();
        }

        @Override
        public OutputStream toAgent() {
            return new NoAgentChannel("guests booted by QEMU in the rig have no agent channel");
        }

        @Override
        public synchronized VmResult awaitExit() {
            if (result != null) {
                return result;
            }
            try {
                boolean exited = process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
                if (!exited) {
                    process.destroyForcibly().waitFor();
                }
                consolePump.join();
                errorPump.join();
                errors.end();
                result = result(exited ? process.exitValue() : null, spec, console, errors.lastLines(),
                        Duration.ofNanos(System.nanoTime() - startNanos));
                return result;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmLaunchException("interrupted while QEMU was running", e);
            } finally {
                deleteTemporary(initrd);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            awaitExit();
        }
    }

    private List<String> command(VmSpec spec, Path initrd) {
        List<String> command = new ArrayList<>(List.of(qemu.toString(),
                "-machine", machine.option,
                "-accel", accelerator.name().toLowerCase(Locale.ROOT),
                "-cpu", accelerator == Accelerator.KVM ? "host" : "max",
                "-smp", Integer.toString(spec.cpus()),
                "-m", spec.memoryMb() + "M",
                "-nodefaults", "-no-user-config", "-display", "none",
                "-serial", "stdio",
                // A guest reset (reboot=k, panic=-1) ends the run instead of rebooting.
                "-no-reboot",
                "-kernel", spec.kernel().toString(),
                "-append", cmdline(spec.cmdline())));
        if (initrd != null) {
            command.addAll(List.of("-initrd", initrd.toString()));
        }
        return command;
    }

    /**
     * Under TCG a kernel without a PIT (microvm) can hang calibrating the TSC against nothing;
     * telling it the frequency up front avoids the calibration.
     */
    private String cmdline(String requested) {
        if (accelerator != Accelerator.TCG || requested.contains("tsc_early_khz=")) {
            return requested;
        }
        return hostTscKhz().map(khz -> (requested + " tsc_early_khz=" + khz).strip()).orElse(requested);
    }

    private static Optional<Long> hostTscKhz() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("cpu MHz")).findFirst()
                    .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static VmResult result(Integer exitCode, VmSpec spec, GuestConsole console, List<String> errors,
                                   Duration elapsed) {
        Optional<KernelCrash> panic = console.end();
        List<String> lines = console.lastLines();
        if (exitCode == null) {
            return new VmResult(VmOutcome.TIMEOUT, "guest did not exit within " + spec.timeout() + "; QEMU killed",
                    lines, elapsed);
        }
        if (panic.isPresent()) {
            return new VmResult(VmOutcome.PANIC, panic.get().summary(), lines, elapsed);
        }
        if (exitCode != 0) {
            return new VmResult(VmOutcome.VMM_ERROR, "QEMU exited with status " + exitCode + ": "
                    + String.join(" | ", errors), lines, elapsed);
        }
        return new VmResult(VmOutcome.CLEAN_EXIT, "guest reset or powered off", lines, elapsed);
    }

    private static Thread pump(InputStream in, Consumer<byte[]> sink) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sink.accept(Arrays.copyOf(buffer, n));
                }
            } catch (IOException e) {
                // QEMU was killed and its pipe closed under us: the sink already holds what came.
            }
        }, "qemu-console");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** QEMU takes one {@code -initrd}; the kernel accepts concatenated archives, so join them. */
    private static Path concatenate(List<Path> parts) throws IOException {
        Path joined = Files.createTempFile("kvmunit-initrd", ".cpio");
        try (OutputStream out = Files.newOutputStream(joined)) {
            for (Path part : parts) {
                Files.copy(part, out);
            }
        }
        return joined;
    }

    private static void deleteTemporary(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete temporary initrd " + file, e);
            }
        }
    }
}
