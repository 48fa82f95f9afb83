package dev.kvmunit.internal.vmm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * Encoder for the small subset of AML (ACPI 6.5, chapter 20) a DSDT for a micro-VM needs:
 * name strings, integers, strings, packages, buffers, Name, Scope and Device. Every method
 * returns the encoded term; nest them to build a definition block body. Resource
 * descriptors (the contents of a {@code _CRS} buffer) are in {@link AmlResources}.
 *
 * <p>Inputs are validated here, so a bad name or an oversized package fails when the table
 * is built, with the offending value in the message, not as a kernel complaint at boot.
 */
public final class Aml {
    private Aml() {
    }

    private static final int ZERO_OP = 0x00;
    private static final int ONE_OP = 0x01;
    private static final int NAME_OP = 0x08;
    private static final int BYTE_PREFIX = 0x0A;
    private static final int WORD_PREFIX = 0x0B;
    private static final int DWORD_PREFIX = 0x0C;
    private static final int STRING_PREFIX = 0x0D;
    private static final int QWORD_PREFIX = 0x0E;
    private static final int SCOPE_OP = 0x10;
    private static final int BUFFER_OP = 0x11;
    private static final int PACKAGE_OP = 0x12;
    private static final int DUAL_NAME_PREFIX = 0x2E;
    private static final int MULTI_NAME_PREFIX = 0x2F;
    private static final int EXT_OP_PREFIX = 0x5B;
    private static final int DEVICE_OP = 0x82;
    private static final int ROOT_CHAR = '\\';
    private static final int PARENT_PREFIX_CHAR = '^';
    private static final int NULL_NAME = 0x00;

    /** PkgLength counts itself; four bytes encode at most 28 bits. */
    private static final int MAX_PKG_LENGTH = (1 << 28) - 1;
    private static final int MAX_PACKAGE_ELEMENTS = 255;
    private static final int MAX_NAME_SEGMENTS = 255;

    /**
     * A NameString: optional root ({@code \}) or parent ({@code ^}) prefixes, then name
     * segments separated by dots, e.g. {@code \_SB_.VR00} or {@code _HID}. Segments shorter
     * than four characters are padded with underscores, as ASL compilers do.
     */
    public static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        if (path.startsWith("\\")) {
            out.write(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.write(PARENT_PREFIX_CHAR);
                i++;
            }
        }
        String rest = path.substring(i);
        if (rest.isEmpty()) {
            out.write(NULL_NAME);
            return out.toByteArray();
        }
        String[] segments = rest.split("\\.", -1);
        if (segments.length > MAX_NAME_SEGMENTS) {
            throw new IllegalArgumentException("AML name '" + path + "' has more than " + MAX_NAME_SEGMENTS + " segments");
        }
        if (segments.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segments.length);
        }
        for (String segment : segments) {
            out.writeBytes(nameSeg(segment, path));
        }
        return out.toByteArray();
    }

    private static byte[] nameSeg(String segment, String path) {
        if (segment.isEmpty() || segment.length() > 4) {
            throw new IllegalArgumentException("AML name '" + path + "': segment '" + segment
                    + "' must be 1 to 4 characters");
        }
        byte[] seg = {'_', '_', '_', '_'};
        for (int k = 0; k < segment.length(); k++) {
            char c = segment.charAt(k);
            boolean valid = c == '_' || (c >= 'A' && c <= 'Z') || (k > 0 && c >= '0' && c <= '9');
            if (!valid) {
                throw new IllegalArgumentException("AML name '" + path + "': segment '" + segment
                        + "' may only use A-Z, _ and (not first) 0-9");
            }
            seg[k] = (byte) c;
        }
        return seg;
    }

    /** An unsigned integer in the smallest encoding: Zero, One, Byte, Word, DWord or QWord. */
    public static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if (Long.compareUnsigned(value, 0xFFL) <= 0) {
            return littleEndian(BYTE_PREFIX, value, 1);
        }
        if (Long.compareUnsigned(value, 0xFFFFL) <= 0) {
            return littleEndian(WORD_PREFIX, value, 2);
        }
        if (Long.compareUnsigned(value, 0xFFFF_FFFFL) <= 0) {
            return littleEndian(DWORD_PREFIX, value, 4);
        }
        return littleEndian(QWORD_PREFIX, value, 8);
    }

    private static byte[] littleEndian(int prefix, long value, int width) {
        byte[] out = new byte[1 + width];
        out[0] = (byte) prefix;
        for (int k = 0; k < width; k++) {
            out[1 + k] = (byte) (value >>> (8 * k));
        }
        return out;
    }

    /** A String constant: ASCII 0x01-0x7F, NUL-terminated in the encoding. */
    public static byte[] string(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(STRING_PREFIX);
        for (int k = 0; k < value.length(); k++) {
            char c = value.charAt(k);
            if (c == 0 || c > 0x7F) {
                throw new IllegalArgumentException("AML string '" + value + "' has a character outside ASCII 0x01-0x7F at index " + k);
            }
            out.write(c);
        }
        out.write(0);
        return out.toByteArray();
    }

    /**
     * The compressed EISA id of a PNP-style id such as {@code PNP0A03}: three upper-case
     * letters (5 bits each) and four hex digits, stored big-endian, as ASL's EISAID() does.
     */
    public static byte[] eisaId(String id) {
        if (id.length() != 7) {
            throw new IllegalArgumentException("EISA id '" + id + "' must be 3 letters and 4 hex digits, like PNP0A03");
        }
        long value = 0;
        for (int k = 0; k < 3; k++) {
            char c = id.charAt(k);
            if (c < 'A' || c > 'Z') {
                throw new IllegalArgumentException("EISA id '" + id + "' must start with 3 upper-case letters");
            }
            value = (value << 5) | (c - 0x40);
        }
        for (int k = 3; k < 7; k++) {
            int digit = Character.digit(id.charAt(k), 16);
            if (digit < 0 || Character.isLowerCase(id.charAt(k))) {
                throw new IllegalArgumentException("EISA id '" + id + "' must end with 4 upper-case hex digits");
            }
            value = (value << 4) | digit;
        }
        return integer(Integer.toUnsignedLong(Integer.reverseBytes((int) value)));
    }

    /** {@code Package () {elements}}: at most 255 elements (the NumElements byte). */
    public static byte[] packageOf(byte[]... elements) {
        if (elements.length > MAX_PACKAGE_ELEMENTS) {
            throw new IllegalArgumentException("AML package has " + elements.length + " elements; at most "
                    + MAX_PACKAGE_ELEMENTS + " fit its NumElements byte");
        }
        byte[] body = concat(new byte[] {(byte) elements.length}, concat(elements));
        return withPkgLength(new byte[] {PACKAGE_OP}, body);
    }

    /** {@code Buffer () {bytes}}: the size is encoded as an integer term before the bytes. */
    public static byte[] buffer(byte[] bytes) {
        return withPkgLength(new byte[] {BUFFER_OP}, concat(integer(bytes.length), bytes));
    }

    /** {@code Name (name, value)}. */
    public static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** {@code Scope (path) {terms}}. */
    public static byte[] scope(String path, byte[]... terms) {
        return withPkgLength(new byte[] {SCOPE_OP}, concat(nameString(path), concat(terms)));
    }

    /** {@code Device (name) {terms}}. */
    public static byte[] device(String name, byte[]... terms) {
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, concat(nameString(name), concat(terms)));
    }

    private static byte[] withPkgLength(byte[] opcode, byte[] body) {
        return concat(opcode, pkgLength(body.length), body);
    }

    /**
     * The PkgLength for a body of {@code bodyLength} bytes. The encoded length includes the
     * PkgLength bytes themselves: one byte holds up to 63; otherwise the lead byte carries
     * the count of following bytes in bits 6-7 and the low 4 bits of the length, and each
     * following byte 8 more bits.
     */
    static byte[] pkgLength(int bodyLength) {
        if (bodyLength + 1 <= 0x3F) {
            return new byte[] {(byte) (bodyLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            long total = (long) bodyLength + 1 + extra;
            if (total < (1L << (4 + 8 * extra))) {
                byte[] out = new byte[1 + extra];
                out[0] = (byte) ((extra << 6) | (total & 0x0F));
                for (int k = 1; k <= extra; k++) {
                    out[k] = (byte) (total >>> (4 + 8 * (k - 1)));
                }
                return out;
            }
        }
        throw new IllegalArgumentException("AML object of " + bodyLength + " bytes exceeds the PkgLength maximum of "
                + MAX_PKG_LENGTH);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
