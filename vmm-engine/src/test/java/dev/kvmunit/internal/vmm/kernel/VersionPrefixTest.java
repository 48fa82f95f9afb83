package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionPrefixTest {

    @Test
    void matchesOnlyAtComponentBoundaries() {
        VersionPrefix p = new VersionPrefix("6.1");

        assertTrue(p.matches("6.1.0-56-cloud-amd64"));
        assertTrue(p.matches("6.1.192-2"));
        assertTrue(p.matches("6.1"));
        assertFalse(p.matches("6.12.117+deb12-cloud-amd64"));
        assertFalse(p.matches("16.1"));
    }

    @Test
    void fullReleaseNamesArePrefixesOfThemselves() {
        assertTrue(new VersionPrefix("6.12.117+deb12-cloud-amd64").matches("6.12.117+deb12-cloud-amd64"));
    }

    @Test
    void pathsAndWordsAreNotPrefixes() {
        assertFalse(VersionPrefix.looksLikeOne("/boot/vmlinuz"));
        assertFalse(VersionPrefix.looksLikeOne("latest"));
        assertThrows(IllegalArgumentException.class, () -> new VersionPrefix("vmlinuz"));
    }
}
