package dev.kvmunit.internal.vmm.memory;

/** Test content whose pages all differ from each other and from zero, so a misplaced page shows. */
public final class PagePattern {
    private PagePattern() {
    }

    public static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ((i * 31 + (i >> 12) * 7 + seed) | 1);
        }
        return b;
    }
}
