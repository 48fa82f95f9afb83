package dev.kvmunit.internal.vmm.sys;

import java.util.concurrent.CountDownLatch;

/**
 * Waits that must finish even when the waiting thread is interrupted: releasing a VM's
 * threads or reporting its end cannot be abandoned halfway. The interrupt is kept and
 * re-asserted once the wait is over, so the caller still sees it.
 */
public final class Uninterruptibly {
    private Uninterruptibly() {
    }

    public static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public static void await(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
