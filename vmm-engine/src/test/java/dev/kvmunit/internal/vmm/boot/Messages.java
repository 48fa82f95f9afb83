package dev.kvmunit.internal.vmm.boot;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on error messages, which are part of the contract: they name the input and the fix. */
final class Messages {
    private Messages() {
    }

    static void assertContains(Throwable error, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment),
                    () -> "message lacks \"" + fragment + "\": " + error.getMessage());
        }
    }

    static void assertStartsWith(String prefix, Throwable error) {
        assertTrue(error.getMessage().startsWith(prefix), () -> "message should start with \"" + prefix + "\": "
                + error.getMessage());
    }
}
