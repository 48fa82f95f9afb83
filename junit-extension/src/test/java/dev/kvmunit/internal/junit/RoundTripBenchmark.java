package dev.kvmunit.internal.junit;

import dev.kvmunit.junit.VmTest;

import dev.kvmunit.internal.rig.VmLaunchers;
import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.kernel.KernelResolver;
import dev.kvmunit.internal.vmm.kernel.ResolvedKernel;
import dev.kvmunit.internal.vmm.launch.VmLauncher;
import dev.kvmunit.internal.vmm.launch.VmOutcome;
import dev.kvmunit.internal.vmm.launch.VmResult;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Benchmark (not a test): the round trip of one {@link VmTest} as the extension runs it: boot
 * the resolved kernel with our init, wait for its hello, {@code exec true}, power off. On a
 * host whose KVM cannot boot kernels this goes through the nested rig, like the tests do.
 *
 * <p>Usage: {@code RoundTripBenchmark [runs]}; one unmeasured warm-up round trip first.
 */
public final class RoundTripBenchmark {
    private RoundTripBenchmark() {
    }

    @VmTest
    private static void shape() {
        // Only its annotation is used: the defaults a plain @VmTest gets.
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        VmTest config = RoundTripBenchmark.class.getDeclaredMethod("shape").getAnnotation(VmTest.class);
        ResolvedKernel kernel = KernelResolver.forCurrentProcess().resolve();
        GuestImages.TestImages images = new GuestImages(new ImageCache(ImageCache.defaultRoot()))
                .forTest(kernel, List.of(), Optional.empty());
        List<double[]> samples = new ArrayList<>();
        try (VmLauncher launcher = VmLaunchers.forThisHost()) {
            roundTrip(launcher, kernel, images, config);
            for (int i = 0; i < runs; i++) {
                samples.add(roundTrip(launcher, kernel, images, config));
            }
        }
        System.out.printf(Locale.ROOT, "Kernel %s, @VmTest defaults (%d vCPU, %d MiB), median of %d round trips"
                + " after one warm-up.%n%n", kernel.release(), config.cpus(), config.memoryMb(), runs);
        System.out.println("| phase | median |");
        System.out.println("|---|---|");
        String[] phases = {"boot to guest init's hello", "exec true", "power off to VM gone", "whole round trip"};
        for (int p = 0; p < phases.length; p++) {
            System.out.printf(Locale.ROOT, "| %s | %.3f s |%n", phases[p], median(samples, p));
        }
    }

    private static double[] roundTrip(VmLauncher launcher, ResolvedKernel kernel, GuestImages.TestImages images,
                                      VmTest config) {
        long start = System.nanoTime();
        try (VmSession session = VmSession.boot(launcher, kernel, images, config)) {
            long up = System.nanoTime();
            session.guest().run("true");
            long executed = System.nanoTime();
            VmResult ended = session.finish();
            long gone = System.nanoTime();
            if (ended.outcome() != VmOutcome.CLEAN_EXIT) {
                throw new IllegalStateException("guest did not end cleanly: " + ended.outcome() + ": "
                        + ended.detail());
            }
            return new double[] {(up - start) / 1e9, (executed - up) / 1e9, (gone - executed) / 1e9,
                (gone - start) / 1e9};
        }
    }

    private static double median(List<double[]> samples, int phase) {
        List<Double> values = new ArrayList<>();
        for (double[] s : samples) {
            values.add(s[phase]);
        }
        Collections.sort(values);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
