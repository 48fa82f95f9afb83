package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DebianVersionTest {

    /** Expected signs agree with dpkg --compare-versions. */
    @ParameterizedTest
    @CsvSource({
            "6.12.117-1~deb12u1, 6.12.115-2~deb12u1, 1",
            "6.12.9-1, 6.12.10-1, -1",
            "6.1.192-2, 6.12.10-1, -1",
            "1.0~rc1-1, 1.0-1, -1",
            "1.0-1, 1.0-1~bpo1, 1",
            "1:1.0-1, 2.0-1, 1",
            "1.0-1, 1.0-01, 0",
            "1.0a, 1.0+, -1",
            "1.0, 1.0-0, 0",
            "2.30-1, 2.3-1, 1",
            "1.0~, 1.0~~, 1",
    })
    void ordersLikeDpkg(String a, String b, int sign) {
        assertEquals(sign, Integer.signum(DebianVersion.parse(a).compareTo(DebianVersion.parse(b))));
        assertEquals(-sign, Integer.signum(DebianVersion.parse(b).compareTo(DebianVersion.parse(a))));
    }

    @Test
    void splitsEpochUpstreamAndRevisionAtTheLastDash() {
        DebianVersion v = DebianVersion.parse("2:6.12.117+deb12-1~deb12u1");

        assertEquals(new DebianVersion(2, "6.12.117+deb12", "1~deb12u1"), v);
        assertEquals("2:6.12.117+deb12-1~deb12u1", v.toString());
    }

    @Test
    void ordersKernelReleaseNames() {
        assertEquals(1, Integer.signum(DebianVersion.compareFragments("6.12.117+deb12-cloud-amd64", "6.1.0-56-cloud-amd64")));
        assertEquals(-1, Integer.signum(DebianVersion.compareFragments("6.1.0-9-cloud-amd64", "6.1.0-56-cloud-amd64")));
    }

    @Test
    void rejectsMalformedVersions() {
        assertThrows(IllegalArgumentException.class, () -> DebianVersion.parse("x:1.0"));
        assertThrows(IllegalArgumentException.class, () -> DebianVersion.parse("-1"));
    }
}
