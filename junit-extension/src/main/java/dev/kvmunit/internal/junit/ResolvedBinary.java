package dev.kvmunit.internal.junit;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host binary chosen for the guest.
 *
 * @param role   what it is for ("probe", "scheduler"), for messages
 * @param name   the name the test asked for (the file name for a path), also its command name in the guest
 * @param path   absolute, normalized host path (links kept: the guest gets the same links)
 * @param origin where the choice came from ("system property kvmunit.binary.stress-ng", "PATH"), for messages
 */
record ResolvedBinary(String role, String name, Path path, String origin) {
    ResolvedBinary {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(origin, "origin");
    }

    /** How messages name this binary: "probe 'stress-ng' (/usr/bin/stress-ng, from PATH)". */
    String describe() {
        return role + " '" + name + "' (" + path + ", from " + origin + ")";
    }
}
