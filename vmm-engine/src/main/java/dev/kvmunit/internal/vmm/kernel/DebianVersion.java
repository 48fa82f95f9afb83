package dev.kvmunit.internal.vmm.kernel;

import java.util.Objects;

/**
 * A Debian package version ({@code [epoch:]upstream[-revision]}) ordered exactly like
 * {@code dpkg --compare-versions}: so "6.12.117-1~deb12u1" sorts after "6.12.115-2~deb12u1"
 * and a tilde sorts before anything, even the end of the string ("1.0~rc1" &lt; "1.0").
 */
public record DebianVersion(long epoch, String upstream, String revision) implements Comparable<DebianVersion> {

    public DebianVersion {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(revision, "revision");
    }

    /** Parses a version as apt prints it; rejects what dpkg would refuse to compare. */
    public static DebianVersion parse(String text) {
        String v = text == null ? "" : text.strip();
        long epoch = 0;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            String epochText = v.substring(0, colon);
            if (epochText.isEmpty() || !epochText.chars().allMatch(Character::isDigit) || epochText.length() > 9) {
                throw new IllegalArgumentException("Debian version '" + text + "' has a bad epoch '" + epochText + "'");
            }
            epoch = Long.parseLong(epochText);
            v = v.substring(colon + 1);
        }
        int dash = v.lastIndexOf('-');
        String upstream = dash >= 0 ? v.substring(0, dash) : v;
        String revision = dash >= 0 ? v.substring(dash + 1) : "";
        if (upstream.isEmpty()) {
            throw new IllegalArgumentException("Debian version '" + text + "' has an empty upstream part");
        }
        return new DebianVersion(epoch, upstream, revision);
    }

    @Override
    public int compareTo(DebianVersion other) {
        int c = Long.compare(epoch, other.epoch);
        if (c != 0) {
            return c;
        }
        c = compareFragments(upstream, other.upstream);
        return c != 0 ? c : compareFragments(revision, other.revision);
    }

    /**
     * dpkg's comparison of one version part: alternating runs of non-digits (compared
     * character by character, letters before other symbols, '~' before everything) and
     * digits (compared numerically). Also orders kernel release names such as
     * "6.12.117+deb12-cloud-amd64" sensibly.
     */
    public static int compareFragments(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            while ((i < a.length() && !isDigit(a.charAt(i))) || (j < b.length() && !isDigit(b.charAt(j)))) {
                int ac = order(a, i);
                int bc = order(b, j);
                if (ac != bc) {
                    return Integer.compare(ac, bc);
                }
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            int firstDifference = 0;
            while (i < a.length() && j < b.length() && isDigit(a.charAt(i)) && isDigit(b.charAt(j))) {
                if (firstDifference == 0) {
                    firstDifference = Integer.compare(a.charAt(i), b.charAt(j));
                }
                i++;
                j++;
            }
            if (i < a.length() && isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && isDigit(b.charAt(j))) {
                return -1;
            }
            if (firstDifference != 0) {
                return firstDifference;
            }
        }
        return 0;
    }

    /** Weight of the character at index, with the end of the string weighing 0. */
    private static int order(String s, int index) {
        if (index >= s.length()) {
            return 0;
        }
        char c = s.charAt(index);
        if (isDigit(c)) {
            return 0;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public String toString() {
        String base = revision.isEmpty() ? upstream : upstream + "-" + revision;
        return epoch == 0 ? base : epoch + ":" + base;
    }
}
