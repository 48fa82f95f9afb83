package dev.kvmunit.internal.vmm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Reads and sets the clock through ports 0x70/0x71 the way Linux's mc146818 code does. */
class CmosRtcTest {
    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    // Tuesday 2026-11-03 19:07:45 UTC.
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-03T19:07:45Z"));
    private final CmosRtc rtc = new CmosRtc(clock);

    private int read(int register) {
        rtc.write(0, new byte[] {(byte) (0x80 | register)}); // NMI-mask bit set, as Linux does
        byte[] data = new byte[1];
        rtc.read(1, data);
        return data[0] & 0xFF;
    }

    private void write(int register, int value) {
        rtc.write(0, new byte[] {(byte) register});
        rtc.write(1, new byte[] {(byte) value});
    }

    @Test
    void powerOnStateIsAHealthyIdleChip() {
        assertEquals(0x26, read(0x0A), "no UIP, 32 kHz base, 1024 Hz");
        assertEquals(0x02, read(0x0B), "24-hour BCD");
        assertEquals(0x00, read(0x0C));
        assertEquals(0x80, read(0x0D), "valid RAM and time; bit 6 clear so rtc_cmos finds it accessible");
    }

    @Test
    void timeReadsAsBcdUtcByDefault() {
        assertEquals(0x45, read(0x00));
        assertEquals(0x07, read(0x02));
        assertEquals(0x19, read(0x04));
        assertEquals(0x03, read(0x06), "Tuesday, with Sunday = 1");
        assertEquals(0x03, read(0x07));
        assertEquals(0x11, read(0x08));
        assertEquals(0x26, read(0x09));
        assertEquals(0x20, read(0x32), "century");
    }

    @Test
    void registerBSelectsBinaryAnd12HourForms() {
        write(0x0B, 0x06); // binary, 24h
        assertEquals(45, read(0x00));
        assertEquals(19, read(0x04));
        assertEquals(26, read(0x09));
        write(0x0B, 0x00); // BCD, 12h
        assertEquals(0x80 | 0x07, read(0x04), "7 PM");
        clock.advance(Duration.ofHours(5)); // 00:07 next day
        assertEquals(0x12, read(0x04), "midnight is 12 AM");
        assertEquals(0x04, read(0x07));
    }

    @Test
    void updateInProgressNeverShowsAndTheClockTicks() {
        write(0x0A, 0xA6); // guest tries to write UIP: read-only
        for (int i = 0; i < 100; i++) {
            assertEquals(0, read(0x0A) & 0x80);
        }
        assertEquals(0x45, read(0x00));
        clock.advance(Duration.ofSeconds(16));
        assertEquals(0x01, read(0x00));
        assertEquals(0x08, read(0x02));
    }

    @Test
    void guestSetsTheClockWithTheSetBitAndItKeepsRunning() {
        // mc146818_set_time: SET, write fields, clear SET.
        write(0x0B, 0x82);
        write(0x09, 0x99);
        write(0x32, 0x19);
        write(0x08, 0x12);
        write(0x07, 0x31);
        write(0x04, 0x23);
        write(0x02, 0x59);
        write(0x00, 0x58);
        clock.advance(Duration.ofSeconds(30)); // frozen while SET is on
        assertEquals(0x58, read(0x00));
        write(0x0B, 0x02);
        clock.advance(Duration.ofSeconds(3));
        assertEquals(0x01, read(0x00));
        assertEquals(0x00, read(0x02));
        assertEquals(0x00, read(0x04));
        assertEquals(0x01, read(0x07));
        assertEquals(0x01, read(0x08));
        assertEquals(0x00, read(0x09));
        assertEquals(0x20, read(0x32), "2000-01-01 00:00:01");
    }

    @Test
    void anImpossibleDateLeavesTheClockAlone() {
        write(0x0B, 0x82);
        write(0x08, 0x13); // month 13
        write(0x0B, 0x02);
        assertEquals(0x11, read(0x08));
        assertEquals(0x45, read(0x00));
    }

    @Test
    void nvramKeepsWhatTheGuestWritesWithinItsBounds() {
        write(0x0E, 0x5A);
        write(0x7F, 0xA5);
        assertEquals(0x5A, read(0x0E));
        assertEquals(0xA5, read(0x7F));
        write(0xFF, 0x11); // index 0x7F with the NMI bit: same cell
        assertEquals(0x11, read(0x7F));
        write(0x0C, 0xFF);
        write(0x0D, 0x00);
        assertEquals(0x00, read(0x0C), "status registers are read-only");
        assertEquals(0x80, read(0x0D));
    }

    @Test
    void indexPortReadsAsAnUndrivenBus() {
        rtc.write(0, new byte[] {0x0A});
        byte[] data = new byte[1];
        rtc.read(0, data);
        assertEquals(0xFF, data[0] & 0xFF);
        byte[] word = new byte[2];
        rtc.write(0, new byte[] {0x0D, 0x00}); // 16-bit write: index, then data (read-only D)
        rtc.read(0, word);
        assertEquals(0x80, word[1] & 0xFF);
    }
}
