package dev.kvmunit.internal.vmm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * Encoder for ACPI resource descriptors (ACPI 6.5, section 6.4), the byte format inside a
 * {@code _CRS} buffer: ASL's {@code ResourceTemplate () {...}}.
 */
public final class AmlResources {
    private AmlResources() {
    }

    private static final int END_TAG = 0x79;
    /** Small descriptor: tag 0x08 (I/O Port) in bits 6-3, length 7 in bits 2-0. */
    private static final int IO_PORT = 0x47;
    private static final int IO_DECODE_16 = 0x01;
    private static final int MEMORY32_FIXED = 0x86;
    private static final int EXTENDED_INTERRUPT = 0x89;
    /** Large descriptors carry a 16-bit length of the bytes after the length field. */
    private static final int MEMORY32_FIXED_LENGTH = 9;
    private static final int MAX_INTERRUPTS = 255;

    private static final int INTERRUPT_CONSUMER = 0x01;
    private static final int INTERRUPT_EDGE = 0x02;
    private static final int INTERRUPT_ACTIVE_LOW = 0x04;
    private static final int INTERRUPT_SHARED = 0x08;

    public enum Trigger { EDGE, LEVEL }

    public enum Polarity { ACTIVE_HIGH, ACTIVE_LOW }

    /**
     * {@code ResourceTemplate () {descriptors}}: a Buffer holding the descriptors and an End
     * Tag whose checksum byte is 0, which the spec defines as "treat as valid" (what ASL
     * compilers emit, and what every OS accepts).
     */
    public static byte[] template(byte[]... descriptors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] d : descriptors) {
            out.writeBytes(d);
        }
        out.write(END_TAG);
        out.write(0);
        return Aml.buffer(out.toByteArray());
    }

    /** {@code IO (Decode16, base, base, 1, length)}: a fixed range of I/O ports. */
    public static byte[] ioPort(int base, int length) {
        if (base < 0 || base > 0xFFFF || length < 1 || length > 0xFF) {
            throw new IllegalArgumentException(String.format(
                    "I/O port range 0x%x+%d does not fit an I/O Port descriptor", base, length));
        }
        byte[] out = new byte[8];
        out[0] = (byte) IO_PORT;
        out[1] = (byte) IO_DECODE_16;
        putLe(out, 2, base, 2);
        putLe(out, 4, base, 2);
        out[6] = 1;
        out[7] = (byte) length;
        return out;
    }

    /** {@code Memory32Fixed (ReadWrite|ReadOnly, base, length)}. */
    public static byte[] memory32Fixed(boolean writable, long base, long length) {
        requireU32("Memory32Fixed base", base);
        requireU32("Memory32Fixed length", length);
        byte[] out = new byte[3 + MEMORY32_FIXED_LENGTH];
        out[0] = (byte) MEMORY32_FIXED;
        putLe(out, 1, MEMORY32_FIXED_LENGTH, 2);
        out[3] = (byte) (writable ? 1 : 0);
        putLe(out, 4, base, 4);
        putLe(out, 8, length, 4);
        return out;
    }

    /**
     * {@code Interrupt (ResourceConsumer, trigger, polarity, Exclusive|Shared) {gsis}}: the
     * Extended Interrupt descriptor, which names GSIs directly (no ISA IRQ mask).
     */
    public static byte[] extendedInterrupt(Trigger trigger, Polarity polarity, boolean shared, long... gsis) {
        if (gsis.length == 0 || gsis.length > MAX_INTERRUPTS) {
            throw new IllegalArgumentException("an Extended Interrupt descriptor holds 1 to " + MAX_INTERRUPTS
                    + " interrupts, not " + gsis.length);
        }
        int bodyLength = 2 + 4 * gsis.length;
        byte[] out = new byte[3 + bodyLength];
        out[0] = (byte) EXTENDED_INTERRUPT;
        putLe(out, 1, bodyLength, 2);
        out[3] = (byte) (INTERRUPT_CONSUMER
                | (trigger == Trigger.EDGE ? INTERRUPT_EDGE : 0)
                | (polarity == Polarity.ACTIVE_LOW ? INTERRUPT_ACTIVE_LOW : 0)
                | (shared ? INTERRUPT_SHARED : 0));
        out[4] = (byte) gsis.length;
        for (int k = 0; k < gsis.length; k++) {
            requireU32("interrupt number", gsis[k]);
            putLe(out, 5 + 4 * k, gsis[k], 4);
        }
        return out;
    }

    private static void requireU32(String what, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " 0x" + Long.toHexString(value) + " does not fit in 32 bits");
        }
    }

    private static void putLe(byte[] out, int offset, long value, int width) {
        for (int k = 0; k < width; k++) {
            out[offset + k] = (byte) (value >>> (8 * k));
        }
    }
}
