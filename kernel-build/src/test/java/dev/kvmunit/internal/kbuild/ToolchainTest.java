package dev.kvmunit.internal.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolchainTest {
    @TempDir
    Path include;

    @Test
    void missingToolsAndHeadersAreNamedWithTheirDebianPackages() throws IOException {
        Files.writeString(include.resolve("zlib.h"), "");
        Set<String> present = Set.of("make", "gcc", "flex", "bison", "bc", "tar", "xz");

        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> Toolchain.requireAll(present::contains, include));

        assertEquals("a kernel build needs pahole (package dwarves), clang-19 (package clang-19), libelf.h (package"
                + " libelf-dev), missing here; install with: sudo apt-get install -y dwarves clang-19 libelf-dev",
                e.getMessage());
    }

    @Test
    void nothingMissingPasses() throws IOException {
        Files.writeString(include.resolve("zlib.h"), "");
        Files.writeString(include.resolve("libelf.h"), "");

        assertDoesNotThrow(() -> Toolchain.requireAll(program -> true, include));
    }

    @Test
    void pathLookupTakesExecutablesInAbsoluteEntriesOnly() throws IOException {
        Path bin = Files.createDirectories(include.resolve("bin"));
        Path tool = Files.writeString(bin.resolve("pahole"), "#!/bin/sh\n");
        tool.toFile().setExecutable(true);
        Files.writeString(bin.resolve("plain"), "");

        assertTrue(Toolchain.onPath("pahole", "relative/bin:" + bin));
        assertFalse(Toolchain.onPath("plain", bin.toString()));
        assertFalse(Toolchain.onPath("pahole", "relative/bin"));
    }
}
