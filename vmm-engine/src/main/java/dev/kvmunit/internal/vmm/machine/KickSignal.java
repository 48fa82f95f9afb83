package dev.kvmunit.internal.vmm.machine;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.kvmunit.internal.vmm.sys.LibC;

/**
 * The signal that kicks a vCPU thread out of KVM_RUN.
 *
 * <p>Why a signal: a thread blocked in KVM_RUN only returns when the guest exits or a
 * signal is pending for it; KVM then returns EINTR. {@code immediate_exit} in kvm_run covers
 * the window where the thread is about to enter KVM_RUN, the signal covers the thread already
 * inside it, so a stopper sets the flag first and then signals.
 *
 * <p>Why a handler: a signal whose action is the default terminates the process and an
 * ignored one is never delivered, so neither interrupts the ioctl. We need a handler that
 * does nothing, and it must be native code because the JVM cannot run Java on a signal
 * stack. libc's {@code abs} fits: called as {@code abs(signo)} it returns a number and
 * touches nothing. glibc's {@code sigaction} adds the restorer that returns from the
 * handler. SA_RESTART keeps the signal invisible to any other restartable syscall the vCPU
 * thread makes (device code writing a file, say); KVM_RUN returns EINTR regardless.
 *
 * <p>The signal is a real-time one the JVM leaves alone; glibc reserves the first few for
 * itself, so the number is computed from {@code __libc_current_sigrtmin()} at runtime. The
 * handler is installed once per process and never removed: another machine may be running.
 */
final class KickSignal {
    /** Offset from SIGRTMIN; cloud-hypervisor and Firecracker use SIGRTMIN itself, so step aside. */
    private static final int OFFSET_FROM_SIGRTMIN = 3;
    private static final int SIG_UNBLOCK = 1;
    private static final int SA_RESTART = 0x10000000;
    private static final long SIG_DFL = 0;

    // glibc x86_64 struct sigaction: handler, 128-byte sigset_t mask, int flags, restorer.
    private static final int SIGACTION_SIZE = 152;
    private static final int SIGACTION_FLAGS = 136;
    private static final int SIGSET_SIZE = 128;

    private interface Signals extends Library {
        Signals INSTANCE = Native.load("c", Signals.class);

        int __libc_current_sigrtmin();

        int __libc_current_sigrtmax();

        int sigaction(int signum, Pointer action, Pointer oldAction) throws LastErrorException;

        /** Returns the error number instead of setting errno. */
        int pthread_sigmask(int how, Pointer set, Pointer oldSet);
    }

    /** The installed signal number; 0 until the first machine needs it. */
    private static int number;

    private KickSignal() {
    }

    /** The kick signal's number, installing its handler on first use. */
    static synchronized int number() {
        if (number == 0) {
            number = install();
        }
        return number;
    }

    private static int install() {
        int signo = Signals.INSTANCE.__libc_current_sigrtmin() + OFFSET_FROM_SIGRTMIN;
        if (signo > Signals.INSTANCE.__libc_current_sigrtmax()) {
            throw new IllegalStateException("no real-time signal SIGRTMIN+" + OFFSET_FROM_SIGRTMIN
                    + " on this libc to kick vCPU threads with");
        }
        long handler = Pointer.nativeValue(NativeLibrary.getInstance("c").getFunction("abs"));
        try (Memory action = new Memory(SIGACTION_SIZE); Memory previous = new Memory(SIGACTION_SIZE)) {
            action.clear();
            action.setLong(0, handler);
            action.setInt(SIGACTION_FLAGS, SA_RESTART);
            previous.clear();
            Signals.INSTANCE.sigaction(signo, action, previous);
            long old = previous.getLong(0);
            if (old != SIG_DFL && old != handler) {
                // Someone else in this process uses the signal; sharing it would break them.
                Signals.INSTANCE.sigaction(signo, previous, null);
                throw new IllegalStateException("signal " + signo + " (SIGRTMIN+" + OFFSET_FROM_SIGRTMIN
                        + "), which kicks vCPU threads, already has a handler in this process");
            }
        } catch (LastErrorException e) {
            throw new IllegalStateException("installing the vCPU kick handler for signal " + signo + " failed: "
                    + e.getMessage(), e);
        }
        return signo;
    }

    /** Lets the kick reach the calling thread even if it inherited a mask that blocks it. */
    static void unblockInCurrentThread() {
        try (Memory set = new Memory(SIGSET_SIZE)) {
            set.clear();
            int bit = number() - 1;
            set.setLong((bit / 64) * 8L, 1L << (bit % 64));
            int error = Signals.INSTANCE.pthread_sigmask(SIG_UNBLOCK, set, null);
            if (error != 0) {
                throw new IllegalStateException("unblocking the vCPU kick signal failed with errno " + error);
            }
        }
    }

    /** The calling thread's kernel thread id, for {@link #send}. */
    static int currentThreadId() {
        return (int) LibC.INSTANCE.syscall(LibC.SYS_GETTID);
    }

    /** Sends the kick to thread {@code tid} of this process. */
    static void send(int tid) {
        LibC.INSTANCE.syscall(LibC.SYS_TGKILL, (long) LibC.INSTANCE.getpid(), (long) tid, (long) number());
    }
}
