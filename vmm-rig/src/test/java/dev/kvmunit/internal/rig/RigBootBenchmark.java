package dev.kvmunit.internal.rig;

import dev.kvmunit.internal.vmm.kernel.KernelProvisioner;
import dev.kvmunit.internal.vmm.kernel.KernelTree;
import dev.kvmunit.internal.vmm.launch.VmListener;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;
import dev.kvmunit.internal.vmm.launch.VmSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (not a test): inside the nested rig, boots the same Debian 6.12 cloud kernel and
 * the same marker initramfs with our engine and with QEMU+KVM ({@code -M microvm} and
 * {@code -M q35}) on the same L1, and prints medians as a markdown table.
 *
 * <ul>
 *   <li>boot-to-init: the guest's own clock ({@code /proc/uptime}) when /init runs;</li>
 *   <li>launch-to-exit: measured inside L1 from asking the VMM for a guest to the VMM
 *       reporting its reset (create, load, boot, init, reset, teardown);</li>
 *   <li>host round trip: measured on the host around the whole request, rig link included.</li>
 * </ul>
 *
 * <p>Usage: {@code RigBootBenchmark [runs] [vcpus]}; one unmeasured warm-up boot per engine.
 */
public final class RigBootBenchmark {
    private record Engine(String label, String engine, String qemuMachine) {
    }

    private record Sample(double bootToInit, double launchToExit, double roundTrip) {
    }

    private RigBootBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int cpus = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        KernelTree kernel = KernelProvisioner.forCurrentUser().provisionDefault();
        Path scratch = Files.createTempDirectory("kvmunit-rig-bench");
        Path initramfs = MarkerInitramfs.write(scratch);
        List<Engine> engines = List.of(new Engine("kvmunit", "kvmunit", "microvm"),
                new Engine("QEMU+KVM -M microvm", "qemu", "microvm"), new Engine("QEMU+KVM -M q35", "qemu", "q35"));
        List<List<Sample>> results = new ArrayList<>();
        for (Engine engine : engines) {
            RigConfig config = RigConfig.of(kernel.image(), kernel.modulesDir().orElseThrow())
                    .withEngine(engine.engine()).withQemuMachine(engine.qemuMachine());
            try (RigLauncher rig = new RigLauncher(config)) {
                VmSpec spec = new VmSpec(kernel.image(), List.of(initramfs), MarkerInitramfs.CMDLINE, cpus, 256,
                        Duration.ofMinutes(3));
                boot(rig, spec, engine);
                List<Sample> samples = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    samples.add(boot(rig, spec, engine));
                }
                System.err.printf(Locale.ROOT, "%s: L1 ready after %.1f s%n", engine.label(),
                        rig.l1BootTime().toMillis() / 1000.0);
                results.add(samples);
            }
        }
        print(kernel, cpus, runs, engines, results);
    }

    private static Sample boot(RigLauncher rig, VmSpec spec, Engine engine) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        long start = System.nanoTime();
        VmResult result = rig.run(spec, new VmListener() {
            @Override
            public void onConsole(byte[] data) {
                synchronized (console) {
                    console.writeBytes(data);
                }
            }
        });
        double roundTrip = (System.nanoTime() - start) / 1e9;
        String text;
        synchronized (console) {
            text = console.toString(StandardCharsets.UTF_8);
        }
        MarkerInitramfs.Marker marker = MarkerInitramfs.find(text).orElseThrow(() -> new IllegalStateException(
                engine.label() + ": no marker; " + result.outcome() + ": " + result.detail() + "\n" + text));
        if (result.outcome() != VmOutcome.CLEAN_EXIT) {
            throw new IllegalStateException(engine.label() + ": " + result.outcome() + ": " + result.detail());
        }
        return new Sample(Double.parseDouble(marker.uptime()), result.elapsed().toMillis() / 1000.0, roundTrip);
    }

    private static void print(KernelTree kernel, int cpus, int runs, List<Engine> engines,
                              List<List<Sample>> results) {
        System.out.printf(Locale.ROOT, "Kernel %s (bzImage), marker initramfs, %d vCPU, 256 MiB, median of %d"
                + " boots after one warm-up; L1: QEMU TCG, 1 vCPU.%n%n", kernel.release(), cpus, runs);
        System.out.println("| engine in L1 | boot-to-init (guest clock) | launch-to-exit (L1) | host round trip |"
                + " launch-to-exit vs kvmunit |");
        System.out.println("|---|---|---|---|---|");
        double ours = median(results.get(0), Sample::launchToExit);
        for (int i = 0; i < engines.size(); i++) {
            List<Sample> samples = results.get(i);
            double exit = median(samples, Sample::launchToExit);
            System.out.printf(Locale.ROOT, "| %s | %.2f s | %.2f s | %.2f s | %.2fx |%n", engines.get(i).label(),
                    median(samples, Sample::bootToInit), exit, median(samples, Sample::roundTrip), exit / ours);
        }
    }

    private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> metric) {
        List<Double> values = new ArrayList<>();
        for (Sample s : samples) {
            values.add(metric.applyAsDouble(s));
        }
        Collections.sort(values);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
