package dev.kvmunit.internal.vmm.devices;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The MC146818 real-time clock and CMOS RAM behind ports 0x70 (index) and 0x71 (data).
 *
 * <p>Why it exists: without sensible answers Linux's rtc_cmos probe and the boot-time clock
 * read spin on the "update in progress" bit for seconds. This
 * device answers like an idle, healthy chip: register A never shows UIP, register D says the
 * time is valid, and the time registers show the host clock in UTC, in BCD or binary and in
 * 24- or 12-hour form as register B asks. The century lives at index 0x32, where the FADT's
 * century field points.
 *
 * <p>The guest may set the clock (SET bit in register B, then the time registers, then
 * clear SET, as {@code hwclock} does); from then on the device keeps the guest's time as an
 * offset from the host clock. The device raises no interrupts: register C always reads 0
 * and the periodic, alarm and update-ended interrupt enables are stored but have no effect.
 *
 * <p>All state is the 128-byte CMOS array plus that offset, so nothing the guest writes can
 * grow memory. Synchronized like every device; {@link IoBus} holds the same monitor.
 */
public final class CmosRtc implements IoDevice {
    public static final int PORT = 0x70;
    /** Index port and data port. */
    public static final int PORT_COUNT = 2;

    private static final int SECONDS = 0x00;
    private static final int MINUTES = 0x02;
    private static final int HOURS = 0x04;
    private static final int DAY_OF_WEEK = 0x06;
    private static final int DAY_OF_MONTH = 0x07;
    private static final int MONTH = 0x08;
    private static final int YEAR = 0x09;
    private static final int REGISTER_A = 0x0A;
    private static final int REGISTER_B = 0x0B;
    private static final int REGISTER_C = 0x0C;
    private static final int REGISTER_D = 0x0D;
    /** Where our FADT says the century is (its CENTURY field). */
    public static final int CENTURY = 0x32;
    private static final int[] TIME_REGISTERS = {SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY};

    private static final int RAM_SIZE = 128;
    /** Bit 7 of the index port masks NMIs on a PC; it is not part of the index. */
    private static final int INDEX_MASK = 0x7F;

    private static final int A_UIP = 0x80;
    /** 32.768 kHz time base, 1024 Hz periodic rate: the power-on value Linux also writes. */
    private static final int A_DEFAULT = 0x26;
    private static final int B_SET = 0x80;
    private static final int B_BINARY = 0x04;
    private static final int B_24_HOUR = 0x02;
    /** 24-hour BCD, as PC firmware leaves it. */
    private static final int B_DEFAULT = B_24_HOUR;
    private static final int D_VALID_RAM_AND_TIME = 0x80;
    private static final int HOUR_PM = 0x80;

    private final Clock clock;
    private final byte[] ram = new byte[RAM_SIZE];
    private int index;
    /** Guest time minus host time, changed only when the guest sets the clock. */
    private Duration offset = Duration.ZERO;

    /** A clock showing the host's current UTC time. */
    public CmosRtc() {
        this(Clock.systemUTC());
    }

    /** A clock showing {@code clock}'s time in UTC; tests pass a controllable clock. */
    public CmosRtc(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        ram[REGISTER_A] = A_DEFAULT;
        ram[REGISTER_B] = B_DEFAULT;
    }

    /** Wider accesses are split into byte accesses to consecutive ports, as the ISA bus does. */
    @Override
    public synchronized void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            // The index port is write-only; it reads as an undriven bus.
            data[i] = (byte) (offset + i == 1 ? readRegister(index) : 0xFF);
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            int value = data[i] & 0xFF;
            if (offset + i == 0) {
                index = value & INDEX_MASK;
            } else if (offset + i == 1) {
                writeRegister(index, value);
            }
        }
    }

    private int readRegister(int register) {
        switch (register) {
            case REGISTER_A:
                return ram[REGISTER_A] & ~A_UIP;
            case REGISTER_C:
                return 0; // no interrupt flags: the device raises no interrupts
            case REGISTER_D:
                return D_VALID_RAM_AND_TIME;
            default:
                if (isTimeRegister(register) && !setting()) {
                    return encodeTime(now(), register);
                }
                return ram[register] & 0xFF;
        }
    }

    private void writeRegister(int register, int value) {
        switch (register) {
            case REGISTER_A -> ram[REGISTER_A] = (byte) (value & ~A_UIP);
            case REGISTER_B -> writeRegisterB(value);
            case REGISTER_C, REGISTER_D -> {
                // read-only status registers
            }
            default -> {
                if (isTimeRegister(register) && !setting()) {
                    // A time write without SET: take effect at once, other fields unchanged.
                    latchTime();
                    ram[register] = (byte) value;
                    applyLatchedTime();
                } else {
                    ram[register] = (byte) value;
                }
            }
        }
    }

    private void writeRegisterB(int value) {
        boolean wasSetting = setting();
        if (!wasSetting && (value & B_SET) != 0) {
            // Updates stop: the time registers hold the current time until the guest writes them.
            latchTime();
        }
        ram[REGISTER_B] = (byte) value;
        if (wasSetting && (value & B_SET) == 0) {
            applyLatchedTime();
        }
    }

    private boolean setting() {
        return (ram[REGISTER_B] & B_SET) != 0;
    }

    private static boolean isTimeRegister(int register) {
        for (int r : TIME_REGISTERS) {
            if (r == register) {
                return true;
            }
        }
        return false;
    }

    private LocalDateTime now() {
        return LocalDateTime.ofInstant(clock.instant().plus(offset), ZoneOffset.UTC);
    }

    private void latchTime() {
        LocalDateTime t = now();
        for (int r : TIME_REGISTERS) {
            ram[r] = (byte) encodeTime(t, r);
        }
    }

    /** Makes the time in the time registers the clock's time; an impossible date is ignored. */
    private void applyLatchedTime() {
        try {
            int hour = decode(ram[HOURS] & ~HOUR_PM);
            if ((ram[REGISTER_B] & B_24_HOUR) == 0) {
                boolean pm = (ram[HOURS] & HOUR_PM) != 0;
                hour = hour % 12 + (pm ? 12 : 0);
            }
            LocalDateTime set = LocalDateTime.of(
                    decode(ram[CENTURY]) * 100 + decode(ram[YEAR]), decode(ram[MONTH]), decode(ram[DAY_OF_MONTH]),
                    hour, decode(ram[MINUTES]), decode(ram[SECONDS]));
            offset = Duration.between(clock.instant(), set.toInstant(ZoneOffset.UTC));
        } catch (DateTimeException e) {
            // A real chip would count on from garbage; keeping the previous time is kinder.
        }
    }

    private int encodeTime(LocalDateTime t, int register) {
        return switch (register) {
            case SECONDS -> encode(t.getSecond());
            case MINUTES -> encode(t.getMinute());
            case HOURS -> encodeHour(t.getHour());
            case DAY_OF_WEEK -> encode(t.getDayOfWeek().getValue() % 7 + 1); // Sunday is 1
            case DAY_OF_MONTH -> encode(t.getDayOfMonth());
            case MONTH -> encode(t.getMonthValue());
            case YEAR -> encode(t.getYear() % 100);
            case CENTURY -> encode(t.getYear() / 100);
            default -> throw new IllegalArgumentException("not a time register: " + register);
        };
    }

    private int encodeHour(int hour24) {
        if ((ram[REGISTER_B] & B_24_HOUR) != 0) {
            return encode(hour24);
        }
        int hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
        return encode(hour12) | (hour24 >= 12 ? HOUR_PM : 0);
    }

    private boolean binary() {
        return (ram[REGISTER_B] & B_BINARY) != 0;
    }

    private int encode(int value) {
        return binary() ? value : (value / 10) << 4 | value % 10;
    }

    private int decode(int value) {
        value &= 0xFF;
        return binary() ? value : (value >> 4) * 10 + (value & 0x0F);
    }
}
