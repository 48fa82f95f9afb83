package dev.kvmunit.internal.vmm.kernel;

import java.util.regex.Pattern;

/**
 * A kernel version someone asked for, such as "6.12" or "6.1.0-56": it matches versions and
 * release names that start with it at a component boundary, so "6.1" matches "6.1.0-56" and
 * "6.1.192-2" but not "6.12.117".
 */
public record VersionPrefix(String text) {
    private static final Pattern SHAPE = Pattern.compile("\\d+(\\.\\d+)*([-+~.][0-9A-Za-z.+~-]*)?");

    public VersionPrefix {
        if (text == null || !SHAPE.matcher(text).matches()) {
            throw new IllegalArgumentException("kernel version '" + text
                    + "' is not a version prefix: expected something like 6.12 or 6.12.117");
        }
    }

    /** Whether the text looks like a version prefix rather than a path or a name. */
    public static boolean looksLikeOne(String text) {
        return text != null && SHAPE.matcher(text).matches();
    }

    public boolean matches(String version) {
        if (!version.startsWith(text)) {
            return false;
        }
        return version.length() == text.length() || !Character.isDigit(version.charAt(text.length()));
    }

    @Override
    public String toString() {
        return text;
    }
}
