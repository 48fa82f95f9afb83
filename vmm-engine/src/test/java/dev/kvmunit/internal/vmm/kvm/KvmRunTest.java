package dev.kvmunit.internal.vmm.kvm;

import com.sun.jna.Memory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding of a kvm_run page laid out as {@code <linux/kvm.h>} describes it, written here by
 * hand so that each exit's fields and the checks on KVM-reported offsets can be tested
 * without provoking the exit.
 */
class KvmRunTest {
    /** kvm_run, then the port-I/O data page, then the coalesced MMIO ring, as KVM maps them. */
    private static final int MAPPING = 3 * 4096;
    private static final long PIO_PAGE = 4096;
    private final Memory page = new Memory(MAPPING);
    private final KvmRun run = new KvmRun(page, MAPPING);

    {
        page.clear();
    }

    @AfterEach
    void free() {
        page.close();
    }

    @Test
    void stringIoElementsAreReadAndWrittenAtDataOffset() {
        page.setInt(8, KvmRun.EXIT_IO);
        page.setByte(32, (byte) 0);          // in
        page.setByte(33, (byte) 2);          // 2-byte elements
        page.setShort(34, (short) 0x3F8);
        page.setInt(36, 3);                  // rep insw, 3 elements
        page.setLong(40, PIO_PAGE);

        run.setIoData(2, new byte[]{0x34, 0x12});

        assertEquals(KvmRun.EXIT_IO, run.exitReason());
        assertEquals(0x3F8, run.ioPort());
        assertEquals(3, run.ioCount());
        assertEquals(0x1234, Short.toUnsignedInt(page.getShort(PIO_PAGE + 4)));
        assertArrayEquals(new byte[]{0x34, 0x12}, run.ioData(2));
    }

    @Test
    void ioDataOutsideTheMappingIsRefused() {
        page.setByte(33, (byte) 4);
        page.setInt(36, 2);
        page.setLong(40, MAPPING - 4);       // the second element would run past the mapping

        KvmException e = assertThrows(KvmException.class, () -> run.ioData(0));
        assertTrue(e.getMessage().contains("outside kvm_run"), e.getMessage());
        assertThrows(KvmException.class, () -> run.ioData(5));
    }

    @Test
    void mmioFieldsAndAWidthOutOfRange() {
        page.setLong(32, 0xD000_0010L);
        page.setLong(40, 0x1122_3344_5566_7788L);
        page.setInt(48, 4);
        page.setByte(52, (byte) 1);

        assertEquals(0xD000_0010L, run.mmioAddress());
        assertTrue(run.mmioIsWrite());
        assertArrayEquals(new byte[]{(byte) 0x88, 0x77, 0x66, 0x55}, run.mmioData());

        page.setInt(48, 9);
        KvmException e = assertThrows(KvmException.class, run::mmioLength);
        assertEquals("KVM reported an MMIO access of 9 bytes", e.getMessage());
    }

    @Test
    void internalErrorDataWordsAreCappedAtSixteen() {
        page.setInt(32, 1);
        page.setInt(36, 1000);               // more words than the struct holds
        for (int i = 0; i < 16; i++) {
            page.setLong(40 + 8L * i, i);
        }

        assertEquals(1, run.internalSuberror());
        assertEquals(16, run.internalData().length);
        assertEquals(15, run.internalData()[15]);
    }

    @Test
    void systemEventTypeAndData() {
        page.setInt(32, KvmRun.SYSTEM_EVENT_RESET);
        page.setInt(36, 1);
        page.setLong(40, 0xABC);

        assertEquals(KvmRun.SYSTEM_EVENT_RESET, run.systemEventType());
        assertArrayEquals(new long[]{0xABC}, run.systemEventData());
    }

    @Test
    void failEntryReasonAndCpu() {
        page.setLong(32, 0x80000021L);
        page.setInt(40, 3);

        assertEquals(0x80000021L, run.failEntryReason());
        assertEquals(3, run.failEntryCpu());
    }

    @Test
    void immediateExitIsTheSecondByte() {
        run.requestImmediateExit();

        assertEquals(1, page.getByte(1));
    }
}
