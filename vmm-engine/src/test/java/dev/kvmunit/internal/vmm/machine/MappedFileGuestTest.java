package dev.kvmunit.internal.vmm.machine;

import dev.kvmunit.internal.vmm.kvm.KvmSystem;
import dev.kvmunit.internal.vmm.kvm.RequiresKvm;
import dev.kvmunit.internal.vmm.machine.MachineStop.Reason;
import dev.kvmunit.internal.vmm.memory.GuestMemory;
import dev.kvmunit.internal.vmm.memory.PagePattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A file mapped into guest RAM after the machine registered its memslot, as the boot loader maps
 * the initramfs base, on this host's real /dev/kvm: the vCPU reads the file's bytes and its write
 * stays in the VM.
 */
@RequiresKvm
class MappedFileGuestTest {
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final long MEMORY = 2L << 20;
    private static final long MAPPED_PAGE = 0x3000;
    private static final int REPORT_PORT = 0x10;
    private static final int DONE_PORT = 0xF4;
    private static final long GUEST_WRITE = 0xC0FFEE00L;

    @TempDir
    Path dir;

    @Test
    void guestReadsTheMappedFileAndWritesItsOwnCopy() throws IOException {
        byte[] content = PagePattern.bytes((int) GuestMemory.PAGE_SIZE, 11);
        Path file = Files.write(dir.resolve("base.cpio.lz4"), content);
        RecordingDevice report = new RecordingDevice();
        try (KvmSystem kvm = KvmSystem.open(); Machine machine = Machine.create(kvm, MEMORY, 1)) {
            machine.portIo().register(REPORT_PORT, 4, report);
            machine.portIo().register(DONE_PORT, 1,
                    new OnWrite(() -> machine.requestStop(MachineStop.hostRequest("guest wrote the done port"))));
            TinyGuest.load(machine, "mapped_file");
            machine.memory().fill(MAPPED_PAGE, GuestMemory.PAGE_SIZE, (byte) 0xFF);
            machine.memory().mapFile(MAPPED_PAGE, file, content.length);
            TinyGuest.startRealMode(machine.vcpus().get(0));

            MachineStop stop = machine.run(GENEROUS);

            assertEquals(Reason.HOST_REQUEST, stop.reason(), stop.detail());
            assertEquals(GUEST_WRITE, machine.memory().readU32(MAPPED_PAGE), "the host sees the guest's write");
        }
        ByteBuffer file32 = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(List.of(Integer.toUnsignedLong(file32.getInt(0)),
                Integer.toUnsignedLong(file32.getInt(content.length - 4)), GUEST_WRITE), report.values());
        assertArrayEquals(content, Files.readAllBytes(file), "the guest's write never reaches the file");
    }
}
