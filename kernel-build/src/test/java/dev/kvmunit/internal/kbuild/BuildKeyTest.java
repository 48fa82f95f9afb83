package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildKeyTest {
    private static final Toolchain TOOLS = new Toolchain("gcc (Debian 12.2.0-14+deb12u1) 12.2.0",
            "Debian clang version 19.1.7 (3~deb12u1)");
    private static final BuildKey KEY = new BuildKey("debian linux-source-6.12=6.12.118-1~deb12u1",
            List.of("aa", "bb"), TOOLS);

    @Test
    void theTextListsEveryInputOnALineOfItsOwn() {
        assertEquals("""
                recipe 1
                source debian linux-source-6.12=6.12.118-1~deb12u1
                fragment aa
                fragment bb
                gcc gcc (Debian 12.2.0-14+deb12u1) 12.2.0
                clang Debian clang version 19.1.7 (3~deb12u1)
                """, KEY.text());
    }

    @Test
    void theNameIsSixteenHexDigitsOfTheTextsSha256() {
        assertEquals(Sha256.hex(KEY.text()).substring(0, 16), KEY.name());
        assertTrue(KEY.name().matches("[0-9a-f]{16}"), KEY.name());
        assertEquals(KEY.name(), new BuildKey(KEY.source(), List.of("aa", "bb"), TOOLS).name());
    }

    @Test
    void changingAnyInputChangesTheKey() {
        Set<String> names = Stream.of(
                KEY,
                new BuildKey("debian linux-source-6.12=6.12.119-1~deb12u1", KEY.fragments(), TOOLS),
                new BuildKey("tree version 6.12.0 git 0123", KEY.fragments(), TOOLS),
                new BuildKey(KEY.source(), List.of("aa"), TOOLS),
                new BuildKey(KEY.source(), List.of("bb", "aa"), TOOLS),
                new BuildKey(KEY.source(), KEY.fragments(), new Toolchain("gcc 13", TOOLS.clang())),
                new BuildKey(KEY.source(), KEY.fragments(), new Toolchain(TOOLS.gcc(), "clang 20")))
                .map(BuildKey::name).collect(Collectors.toSet());

        assertEquals(7, names.size());
    }
}
