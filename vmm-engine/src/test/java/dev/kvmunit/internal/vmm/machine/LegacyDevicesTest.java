package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.devices.I8042;
import dev.kvmunit.internal.vmm.devices.Serial16550;
import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.RequiresKvm;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The COM1 UART and the i8042 reset, driven by a guest on this host's /dev/kvm. */
@RequiresKvm
class LegacyDevicesTest {
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final long MEMORY = 2L << 20;
    private static final int DONE_PORT = 0xF4;

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

    @Test
    void whatTheGuestWritesToCom1IsWhatTheUartOutputs() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (Machine machine = Machine.create(kvm, MEMORY, 1)) {
            Serial16550 com1 = new Serial16550(machine.irqLine(Serial16550.COM1_IRQ), bytes -> {
                synchronized (output) {
                    output.writeBytes(bytes);
                }
            });
            machine.portIo().register(Serial16550.COM1_PORT, Serial16550.PORT_COUNT, com1);
            machine.portIo().register(DONE_PORT, 1,
                    new OnWrite(() -> machine.requestStop(MachineStop.hostRequest("guest wrote the done port"))));
            TinyGuest.load(machine, "serial");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            assertEquals(Reason.HOST_REQUEST, stop.reason(), stop.detail());
        }
        synchronized (output) {
            assertEquals("kvmunit guest says hello on COM1\r\n", output.toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anI8042ResetPulseEndsTheRunAsAGuestReset() {
        try (Machine machine = Machine.create(kvm, MEMORY, 1)) {
            new I8042(() -> machine.requestStop(MachineStop.guestReset("i8042 reset pulse")))
                    .attachTo(machine.portIo());
            TinyGuest.load(machine, "i8042_reset");
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            assertEquals(Reason.GUEST_RESET, stop.reason(), stop.detail());
            assertEquals("the guest requested a reset: i8042 reset pulse", stop.detail());
        }
    }
}
