package dev.kvmunit.internal.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Byte-exact checks of the AML encodings against ACPI 6.5 chapter 20. */
class AmlTest {
    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void pkgLengthUsesOneByteUpTo63AndCountsItself() {
        assertArrayEquals(bytes(0x01), Aml.pkgLength(0));
        assertArrayEquals(bytes(0x3F), Aml.pkgLength(62));
        // 63 body bytes + 2 length bytes = 65 = 0x041: lead 0x40 | low nibble 1, then 0x04.
        assertArrayEquals(bytes(0x41, 0x04), Aml.pkgLength(63));
        // Largest two-byte length: total 0xFFF.
        assertArrayEquals(bytes(0x4F, 0xFF), Aml.pkgLength(0xFFF - 2));
        // total 0x1000 needs three bytes: 0x1000 + 1 more.
        assertArrayEquals(bytes(0x81, 0x00, 0x01), Aml.pkgLength(0xFFF - 1));
        assertArrayEquals(bytes(0xC4, 0x00, 0x00, 0x01), Aml.pkgLength(0x100000));
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(1 << 28));
    }

    @Test
    void integersUseTheSmallestEncoding() {
        assertArrayEquals(bytes(0x00), Aml.integer(0));
        assertArrayEquals(bytes(0x01), Aml.integer(1));
        assertArrayEquals(bytes(0x0A, 0x02), Aml.integer(2));
        assertArrayEquals(bytes(0x0A, 0xFF), Aml.integer(0xFF));
        assertArrayEquals(bytes(0x0B, 0x00, 0x01), Aml.integer(0x100));
        assertArrayEquals(bytes(0x0C, 0x00, 0x00, 0x00, 0xD0), Aml.integer(0xD000_0000L));
        assertArrayEquals(bytes(0x0E, 0, 0, 0, 0, 1, 0, 0, 0), Aml.integer(0x1_0000_0000L));
        assertArrayEquals(bytes(0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), Aml.integer(-1L),
                "all ones is the largest unsigned value, not negative");
    }

    @Test
    void nameStringsArePaddedAndPrefixed() {
        assertArrayEquals(bytes('_', 'H', 'I', 'D'), Aml.nameString("_HID"));
        assertArrayEquals(bytes('\\', '_', 'S', 'B', '_'), Aml.nameString("\\_SB"));
        assertArrayEquals(bytes('\\', 0x2E, '_', 'S', 'B', '_', 'V', 'R', '0', '0'), Aml.nameString("\\_SB.VR00"));
        assertArrayEquals(bytes(0x2F, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'),
                Aml.nameString("A.B.C"));
        assertArrayEquals(bytes('^', '^', 'X', '_', '_', '_'), Aml.nameString("^^X"));
        assertArrayEquals(bytes('\\', 0x00), Aml.nameString("\\"));
    }

    @Test
    void badNamesAreRejectedWithTheName() {
        var tooLong = assertThrows(IllegalArgumentException.class, () -> Aml.nameString("\\_SB.TOOLONG"));
        assertTrue(tooLong.getMessage().contains("TOOLONG"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("0ABC"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("ab"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("A..B"));
    }

    @Test
    void stringsAreNulTerminatedAscii() {
        assertArrayEquals(bytes(0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0), Aml.string("LNRO0005"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("caf\u00e9"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("a\0b"));
    }

    @Test
    void eisaIdMatchesAslCompilers() {
        // EISAID("PNP0A03") is 0x030AD041 in every ASL compiler's output.
        assertArrayEquals(bytes(0x0C, 0x41, 0xD0, 0x0A, 0x03), Aml.eisaId("PNP0A03"));
        assertArrayEquals(bytes(0x0C, 0x41, 0xD0, 0x0B, 0x00), Aml.eisaId("PNP0B00"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP0A0"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0A03"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP0a03"));
    }

    @Test
    void packagesAndBuffersCarryTheirCounts() {
        assertArrayEquals(bytes(0x12, 0x05, 0x02, 0x01, 0x0A, 0x07), Aml.packageOf(Aml.integer(1), Aml.integer(7)));
        assertArrayEquals(bytes(0x11, 0x05, 0x0A, 0x02, 0xAA, 0xBB), Aml.buffer(bytes(0xAA, 0xBB)));
        byte[][] tooMany = new byte[256][];
        java.util.Arrays.fill(tooMany, Aml.integer(0));
        assertThrows(IllegalArgumentException.class, () -> Aml.packageOf(tooMany));
    }

    @Test
    void deviceScopeAndNameNest() {
        byte[] device = Aml.device("VR00", Aml.name("_UID", Aml.integer(0)));
        assertArrayEquals(bytes(0x5B, 0x82, 0x0B, 'V', 'R', '0', '0', 0x08, '_', 'U', 'I', 'D', 0x00), device);
        byte[] scope = Aml.scope("\\_SB", device);
        assertEquals(0x10, scope[0]);
        assertEquals(1 + 5 + device.length, scope[1], "PkgLength covers itself, the name and the body");
    }

    @Test
    void resourceTemplateEndsWithAZeroChecksumEndTag() {
        byte[] template = AmlResources.template(
                AmlResources.memory32Fixed(true, 0xD000_0000L, 0x1000),
                AmlResources.extendedInterrupt(AmlResources.Trigger.EDGE, AmlResources.Polarity.ACTIVE_HIGH, false, 5));
        assertArrayEquals(bytes(
                0x11, 0x1A, 0x0A, 0x17,
                0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xD0, 0x00, 0x10, 0x00, 0x00,
                0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00,
                0x79, 0x00), template);
    }

    @Test
    void interruptFlagsEncodeTriggerPolarityAndSharing() {
        byte[] level = AmlResources.extendedInterrupt(AmlResources.Trigger.LEVEL, AmlResources.Polarity.ACTIVE_LOW, true, 9, 10);
        assertEquals(0x01 | 0x04 | 0x08, level[3]);
        assertEquals(2, level[4]);
        assertEquals(10, level[5 + 4]);
        assertThrows(IllegalArgumentException.class, () -> AmlResources.memory32Fixed(true, 0x1_0000_0000L, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> AmlResources.extendedInterrupt(
                AmlResources.Trigger.EDGE, AmlResources.Polarity.ACTIVE_HIGH, false));
    }
}
