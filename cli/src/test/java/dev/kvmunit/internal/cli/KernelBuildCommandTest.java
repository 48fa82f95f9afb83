package dev.kvmunit.internal.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBuildCommandTest {
    @Test
    void noArgumentsMeansDebiansSourceAndOnlyKvmunitsFragment() {
        assertEquals(new KernelBuildCommand.Arguments(Optional.empty(), List.of()), KernelBuildCommand.parse(List.of()));
    }

    @Test
    void sourceAndRepeatedFragmentsInOrder() {
        KernelBuildCommand.Arguments arguments = KernelBuildCommand.parse(List.of("--fragment", "a.config", "--source",
                "/src/linux", "--fragment", "b.config"));

        assertEquals(Optional.of(Path.of("/src/linux")), arguments.source());
        assertEquals(List.of(Path.of("a.config"), Path.of("b.config")), arguments.fragments());
    }

    @Test
    void unknownOptionsMissingValuesAndTwoSourcesAreUsageErrors() {
        UsageException unknown = assertThrows(UsageException.class,
                () -> KernelBuildCommand.parse(List.of("--config", "x")));
        assertTrue(unknown.getMessage().startsWith("unknown option --config of kernel build\nusage: kvmunit kernel build"),
                unknown.getMessage());

        UsageException missing = assertThrows(UsageException.class,
                () -> KernelBuildCommand.parse(List.of("--source", "/src", "--fragment")));
        assertTrue(missing.getMessage().startsWith("missing value after --fragment"), missing.getMessage());

        UsageException empty = assertThrows(UsageException.class,
                () -> KernelBuildCommand.parse(List.of("--source", "")));
        assertTrue(empty.getMessage().startsWith("missing value after --source"), empty.getMessage());

        UsageException twice = assertThrows(UsageException.class,
                () -> KernelBuildCommand.parse(List.of("--source", "/a", "--source", "/b")));
        assertEquals("--source given twice (/a, /b); a build has one source", twice.getMessage());

        UsageException help = assertThrows(UsageException.class, () -> KernelBuildCommand.parse(List.of("--help")));
        assertEquals(KernelBuildCommand.USAGE, help.getMessage());
    }
}
