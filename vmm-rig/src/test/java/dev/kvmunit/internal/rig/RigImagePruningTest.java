package dev.kvmunit.internal.rig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RigImagePruningTest {
    @TempDir
    Path cache;

    @Test
    void keepsTheCurrentImageAndTheMostRecentlyUsedOthers() throws IOException {
        for (int i = 1; i <= 5; i++) {
            Path image = Files.writeString(cache.resolve("l1-" + "a".repeat(i) + ".cpio"), "image " + i);
            Files.setLastModifiedTime(image, FileTime.fromMillis(i * 1000L));
        }
        Path current = Files.writeString(cache.resolve("l1-ffff.cpio"), "current");
        Files.setLastModifiedTime(current, FileTime.fromMillis(0));
        Files.writeString(cache.resolve("jre-1234"), "not an image");

        RigImage.pruneOlderImages(cache, current);

        try (Stream<Path> left = Files.list(cache)) {
            assertEquals(Set.of("l1-ffff.cpio", "l1-aaaaa.cpio", "l1-aaaa.cpio", "jre-1234"),
                    left.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
    }
}
