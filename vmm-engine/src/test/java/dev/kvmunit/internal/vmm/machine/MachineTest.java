package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.cpu.CpuidEntry;
import dev.kvmunit.internal.vmm.kvm.EventFd;
import dev.kvmunit.internal.vmm.kvm.IoEventSpace;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.KvmUsability;
import dev.kvmunit.internal.vmm.kvm.KvmVcpu;
import dev.kvmunit.internal.vmm.kvm.MpState;
import dev.kvmunit.internal.vmm.kvm.RequiresKvm;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the tiny guests of src/test/asm on this host's /dev/kvm. */
@RequiresKvm
class MachineTest {
    /** Far longer than any guest here needs; a run that hits it means the guest got stuck. */
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final long MEMORY = 2L << 20;
    private static final int REPORT_PORT = 0x10;
    private static final int ANSWER_PORT = 0x14;
    private static final int READY_PORT = 0x14;
    private static final int TEXT_PORT = 0x18;
    private static final int WORDS_PORT = 0x1C;
    private static final int ECHO_PORT = 0xE0;
    private static final int DONE_PORT = 0xF4;
    private static final long MMIO_WINDOW = 0xD000_0000L;

    private static KvmSystem kvm;

    @BeforeAll
    static void openKvm() {
        kvm = KvmSystem.open();
    }

    @AfterAll
    static void closeKvm() {
        if (kvm != null) {
            kvm.close();
        }
    }

    /** A machine whose guest ends the run by writing anything to {@link #DONE_PORT}. */
    private static Machine machine(int vcpus) {
        Machine machine = Machine.create(kvm, MEMORY, vcpus);
        machine.portIo().register(DONE_PORT, 1,
                new OnWrite(() -> machine.requestStop(MachineStop.hostRequest("guest wrote the done port"))));
        return machine;
    }

    private static void assertFinished(MachineStop stop) {
        assertEquals(Reason.HOST_REQUEST, stop.reason(), stop.detail());
        assertEquals("guest wrote the done port", stop.detail());
    }

    @Test
    void portIoCarriesValuesBothWaysIncludingStringIo() {
        RecordingDevice report = new RecordingDevice();
        RecordingDevice answer = new RecordingDevice(() -> 0x12345678);
        RecordingDevice text = new RecordingDevice();
        AtomicLong nextWord = new AtomicLong(0x1111);
        RecordingDevice words = new RecordingDevice(() -> nextWord.getAndAdd(0x1111));
        RecordingDevice echo = new RecordingDevice();
        try (Machine machine = machine(1)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            machine.portIo().register(ANSWER_PORT, 4, answer);
            machine.portIo().register(TEXT_PORT, 1, text);
            machine.portIo().register(WORDS_PORT, 2, words);
            machine.portIo().register(ECHO_PORT, 2, echo);
            TinyGuest.load(machine, "pio");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            assertFinished(machine.run(GENEROUS));
        }
        assertEquals(List.of(
                new RecordingDevice.Access(0, 1, 0xAB, "kvmunit-vcpu-0"),
                new RecordingDevice.Access(0, 2, 0xBEEF, "kvmunit-vcpu-0"),
                new RecordingDevice.Access(0, 4, 0xDEADBEEFL, "kvmunit-vcpu-0"),
                new RecordingDevice.Access(0, 4, 0x12345679, "kvmunit-vcpu-0")), report.writes());
        String received = text.values().stream().map(v -> String.valueOf((char) v.intValue()))
                .collect(Collectors.joining());
        assertEquals("hello, host", received);
        assertEquals(List.of(0x1111L, 0x2222L, 0x3333L), echo.values());
        assertTrue(echo.writes().stream().allMatch(w -> w.width() == 2));
    }

    @Test
    void mmioCarriesValuesBothWays() {
        RecordingDevice window = new RecordingDevice(() -> 0x1234_CAFE_F00DL);
        RecordingDevice report = new RecordingDevice();
        try (Machine machine = machine(1)) {
            machine.mmio().register(MMIO_WINDOW, 0x1000, window);
            machine.portIo().register(REPORT_PORT, 4, report);
            TinyGuest.load(machine, "mmio32");
            TinyGuest.startProtectedMode32(machine.vcpus().get(0));

            assertFinished(machine.run(GENEROUS));
        }
        // The dword read saw the low 4 bytes; the word read the low 2.
        assertEquals(List.of(
                new RecordingDevice.Access(4, 4, 0xCAFEF00EL, "kvmunit-vcpu-0"),
                new RecordingDevice.Access(8, 1, 0x5A, "kvmunit-vcpu-0")), window.writes());
        assertEquals(List.of(0xF00DL), report.values());
    }

    @Test
    void aLongModeGuestRunsSixtyFourBitCode() {
        RecordingDevice report = new RecordingDevice();
        try (Machine machine = machine(1)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            TinyGuest.load(machine, "long_mode");
            TinyGuest.startLongMode(machine, machine.vcpus().get(0));

            assertFinished(machine.run(GENEROUS));
        }
        assertEquals(List.of(0x89ABCDEFL, 0x01234567L), report.values());
    }

    @ParameterizedTest(name = "raised through {0}")
    @ValueSource(strings = {"KVM_IRQ_LINE", "irqfd"})
    void interruptRaisedOnTheInKernelPicReachesTheGuest(String path) throws Exception {
        RecordingDevice report = new RecordingDevice();
        CountDownLatch ready = new CountDownLatch(1);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (Machine machine = machine(1)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            machine.portIo().register(READY_PORT, 1, new OnWrite(ready::countDown));
            EventFd irqfd = machine.vm().irqfd(5);
            TinyGuest.load(machine, "irq");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            Future<MachineStop> run = runner.submit(() -> machine.run(GENEROUS));
            assertTrue(ready.await(GENEROUS.toSeconds(), TimeUnit.SECONDS), "the guest never got ready");
            assertTrue(report.writes().isEmpty(), "the handler ran before any interrupt was raised");
            if (path.equals("irqfd")) {
                irqfd.signal();
            } else {
                machine.irqLine(5).pulse();
            }

            assertFinished(run.get());
        } finally {
            runner.shutdownNow();
        }
        assertEquals(List.of(0x25L), report.values());
    }

    @Test
    void aWriteMatchingAnIoeventfdSignalsItInsteadOfExiting() {
        RecordingDevice report = new RecordingDevice();
        try (Machine machine = machine(1)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            // Only the guest's 1-byte write to the report port matches; the wider ones still exit.
            EventFd notify = machine.vm().ioeventfd(IoEventSpace.PORT, REPORT_PORT, 1);
            TinyGuest.load(machine, "pio");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            assertFinished(machine.run(GENEROUS));

            assertEquals(1, notify.await());
        }
        // Nothing answers the read port here: the guest reads all ones, so it sends back 0.
        assertEquals(List.of(0xBEEFL, 0xDEADBEEFL, 0L), report.values());
    }

    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {1, 4})
    void everyVcpuRunsOnItsOwnThreadAndReportsItsApicId(int vcpus) throws InterruptedException {
        RecordingDevice report = new RecordingDevice();
        try (Machine machine = machine(vcpus)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            TinyGuest.load(machine, "cpu_id");
            List<CpuidEntry> supported = kvm.supportedCpuid();
            for (KvmVcpu vcpu : machine.vcpus()) {
                vcpu.setCpuid(withApicId(supported, vcpu.id()));
                TinyGuest.startRealMode(vcpu);
                vcpu.setMpState(MpState.RUNNABLE);
            }
            CompletableFuture<MachineStop> run = CompletableFuture.supplyAsync(() -> machine.run(GENEROUS));
            awaitWrites(report, vcpus);
            machine.requestStop(MachineStop.hostRequest("every vCPU reported"));
            assertEquals(Reason.HOST_REQUEST, run.join().reason());
        }
        Set<Long> expectedIds = new java.util.TreeSet<>();
        Set<String> expectedThreads = new java.util.TreeSet<>();
        for (int id = 0; id < vcpus; id++) {
            expectedIds.add((long) id);
            expectedThreads.add("kvmunit-vcpu-" + id);
        }
        assertEquals(expectedIds, new java.util.TreeSet<>(report.values()));
        assertEquals(expectedThreads, report.writes().stream().map(RecordingDevice.Access::thread)
                .collect(Collectors.toCollection(java.util.TreeSet::new)));
        // The id each vCPU reports is the one of the thread that ran it.
        report.writes().forEach(w -> assertEquals("kvmunit-vcpu-" + w.value(), w.thread()));
    }

    @Test
    void timeoutStopsAGuestThatNeverExits() {
        try (Machine machine = machine(1)) {
            TinyGuest.load(machine, "spin");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(Duration.ofMillis(300));

            assertEquals(Reason.TIMEOUT, stop.reason(), stop.detail());
            assertEquals(stop, machine.stopReason());
        }
    }

    @Test
    void requestStopFromAnotherThreadKicksEveryVcpuOutOfKvmRun() throws Exception {
        try (Machine machine = machine(2)) {
            TinyGuest.load(machine, "spin");
            for (KvmVcpu vcpu : machine.vcpus()) {
                TinyGuest.startRealMode(vcpu);
                vcpu.setMpState(MpState.RUNNABLE);
            }
            CompletableFuture<MachineStop> run = CompletableFuture.supplyAsync(() -> machine.run(GENEROUS));
            awaitVcpuThreads(2);
            assertFalse(run.isDone(), "a guest that spins forever stopped by itself");

            MachineStop stop = MachineStop.hostRequest("test is done with the guest");
            machine.requestStop(stop);

            // Far below GENEROUS: only a working kick ends the run before the timeout would.
            assertEquals(stop, run.get(GENEROUS.toSeconds() / 4, TimeUnit.SECONDS));
        }
        assertEquals(0, liveVcpuThreads());
    }

    @Test
    void firstStopWinsAndLaterOnesAreDropped() {
        try (Machine machine = machine(1)) {
            MachineStop first = MachineStop.guestReset("i8042");
            machine.requestStop(first);
            machine.requestStop(MachineStop.hostRequest("second"));
            TinyGuest.load(machine, "spin");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            assertEquals(first, machine.run(GENEROUS));
        }
    }

    @Test
    void tripleFaultEndsTheRunAsTripleFault() {
        try (Machine machine = machine(1)) {
            TinyGuest.load(machine, "triple_fault");
            TinyGuest.startProtectedMode32(machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            assertEquals(Reason.TRIPLE_FAULT, stop.reason(), stop.detail());
            assertTrue(stop.detail().contains("KVM_EXIT_SHUTDOWN"), stop.detail());
        }
    }

    @Test
    void anInstructionKvmCannotRunEndsTheRunWithKvmsReason() {
        boolean emulatingHypervisor = !KvmUsability.ofHost().canBootUnmodifiedKernels();
        try (Machine machine = machine(1)) {
            TinyGuest.load(machine, "avx");
            TinyGuest.startLongMode(machine, machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            if (emulatingHypervisor) {
                assertEquals(Reason.KVM_INTERNAL_ERROR, stop.reason(), stop.detail());
                // Suberror 1 and its data words: the instruction bytes (c5 f8 77 = vzeroupper) among them.
                assertTrue(stop.detail().startsWith(
                        "KVM internal error on vCPU 0: suberror 1 (instruction emulation failed), data [0x"),
                        stop.detail());
            } else {
                assertEquals(Reason.TRIPLE_FAULT, stop.reason(), stop.detail());
            }
        }
    }

    @Test
    void aDeviceThatThrowsEndsTheRunWithoutEscapingTheVcpuThread() {
        IllegalStateException failure = new IllegalStateException("device bug");
        try (Machine machine = machine(1)) {
            machine.portIo().register(REPORT_PORT, 4, new OnWrite(() -> {
                throw failure;
            }));
            TinyGuest.load(machine, "pio");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            assertEquals(Reason.DEVICE_ERROR, stop.reason(), stop.detail());
            assertEquals(failure, stop.error());
            assertTrue(stop.detail().contains("write of 1 bytes at port 0x10"), stop.detail());
        }
    }

    @Test
    void closeIsIdempotentAndAClosedMachineDoesNotRun() {
        Machine machine = machine(1);
        machine.close();
        machine.close();
        assertThrows(IllegalStateException.class, () -> machine.run(GENEROUS));
    }

    @Test
    void aMachineRunsOnlyOnce() {
        try (Machine machine = machine(1)) {
            TinyGuest.load(machine, "spin");
            TinyGuest.startRealMode(machine.vcpus().get(0));
            machine.requestStop(MachineStop.hostRequest("stop at once"));
            machine.run(GENEROUS);

            assertThrows(IllegalStateException.class, () -> machine.run(GENEROUS));
        }
    }

    @Test
    void badShapesAreRefusedWithTheValueInTheMessage() {
        IllegalArgumentException memory = assertThrows(IllegalArgumentException.class,
                () -> Machine.create(kvm, 1000, 1));
        assertTrue(memory.getMessage().contains("1000 bytes"), memory.getMessage());
        IllegalArgumentException cpus = assertThrows(IllegalArgumentException.class,
                () -> Machine.create(kvm, MEMORY, 0));
        assertTrue(cpus.getMessage().contains("was 0"), cpus.getMessage());
    }

    private static long liveVcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kvmunit-vcpu-")).count();
    }

    private static void awaitVcpuThreads(int count) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (liveVcpuThreads() < count) {
            assertTrue(System.nanoTime() < deadline, "the vCPU threads never started");
            Thread.sleep(1);
        }
    }

    private static List<CpuidEntry> withApicId(List<CpuidEntry> supported, int apicId) {
        List<CpuidEntry> entries = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            entries.add(e.function() == 1
                    ? e.withRegisters(e.eax(), (e.ebx() & 0x00FF_FFFF) | apicId << 24, e.ecx(), e.edx())
                    : e);
        }
        return entries;
    }

    /** The guest halts with interrupts off after reporting, so the host decides when it is done. */
    private static void awaitWrites(RecordingDevice device, int count) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (device.writes().size() < count) {
            assertTrue(System.nanoTime() < deadline, "only " + device.writes().size() + " of " + count
                    + " writes arrived");
            Thread.sleep(1);
        }
    }
}
