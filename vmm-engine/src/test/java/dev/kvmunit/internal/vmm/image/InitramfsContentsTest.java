package dev.kvmunit.internal.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class InitramfsContentsTest {

    @Test
    void pathsAreNormalisedAndParentsComeFirst() {
        InitramfsContents contents = new InitramfsContents().file("/usr//lib/x/", 0644, new byte[0])
                .file("usr-local", 0644, new byte[0]);

        List<String> paths = contents.entries().stream().map(ImageEntry::path).toList();

        assertEquals(List.of("usr", "usr-local", "usr/lib", "usr/lib/x"), paths);
    }

    @Test
    void explicitDirectoryReplacesAnImplicitOne() {
        InitramfsContents contents = new InitramfsContents().file("/root/x", 0600, new byte[0]).directory("/root", 0700);

        assertEquals(new ImageEntry.Directory("root", 0700), contents.entries().get(0));
    }

    @Test
    void sameEntryTwiceIsFineButDifferentEntriesConflict() {
        InitramfsContents contents = new InitramfsContents().symlink("/lib", "usr/lib").symlink("/lib", "usr/lib");

        IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class,
                () -> contents.symlink("/lib", "usr/lib64"));
        assertTrue(conflict.getMessage().contains("/lib"), conflict.getMessage());
    }

    @Test
    void generatedFilesWithEqualBytesAreTheSameEntry() {
        InitramfsContents contents = new InitramfsContents().file("/args", 0644, new byte[] {1, 2})
                .file("/args", 0644, new byte[] {1, 2});

        assertThrows(IllegalArgumentException.class, () -> contents.file("/args", 0644, new byte[] {1, 3}));
        assertEquals(1, contents.entries().size());
    }

    @Test
    void childOfASymlinkIsRejectedWithTheReason() {
        InitramfsContents contents = new InitramfsContents().symlink("/lib", "usr/lib");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> contents.file("/lib/libc.so.6", 0755, new byte[0]));
        assertTrue(error.getMessage().contains("not a directory"), error.getMessage());
    }

    @Test
    void escapingOrBadInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuestPath.normalise("/etc/../../host"));
        assertThrows(IllegalArgumentException.class, () -> GuestPath.normalise("/"));
        assertThrows(IllegalArgumentException.class, () -> new ImageEntry.Directory("/x", 0100755));
        assertThrows(IllegalArgumentException.class, () -> new ImageEntry.Symlink("/x", ""));
        assertThrows(IllegalArgumentException.class, () -> new ImageEntry.CharDevice("/x", 0600, 5000, 1));
    }
}
