package dev.kvmunit.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelImageFileTest {
    @TempDir
    Path temp;

    @Test
    void readsTheReleaseOutOfABzImage() throws IOException {
        Path image = KernelImages.writeBzImage(temp.resolve("bzImage"), "6.12.3-custom");

        KernelImageFile file = KernelImageFile.inspect(image);

        assertEquals(KernelImageFile.Kind.BZIMAGE, file.kind());
        assertEquals(Optional.of("6.12.3-custom"), file.embeddedRelease());
    }

    @Test
    void acceptsAnElfVmlinux() throws IOException {
        Path image = Files.write(temp.resolve("vmlinux"), ModuleFiles.elf("vmlinux", ""));

        assertEquals(KernelImageFile.Kind.ELF_VMLINUX, KernelImageFile.inspect(image).kind());
    }

    @Test
    void aTruncatedImageIsNamedWithBothSizes() throws IOException {
        byte[] full = KernelImages.bzImage("6.12.3");
        Path image = Files.write(temp.resolve("vmlinuz-6.12.3"), Arrays.copyOf(full, full.length - 16));

        KernelException e = assertThrows(KernelException.class, () -> KernelImageFile.inspect(image));

        assertTrue(e.getMessage().contains(image + " is truncated") && e.getMessage().contains(full.length + " bytes"),
                e.getMessage());
    }

    @Test
    void aFileThatIsNoKernelIsNamed() throws IOException {
        Path notKernel = Files.writeString(temp.resolve("initrd.img"), "070701...".repeat(100));

        KernelException e = assertThrows(KernelException.class, () -> KernelImageFile.inspect(notKernel));

        assertTrue(e.getMessage().contains(notKernel + " is not a Linux kernel image"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = temp.resolve("nope");

        KernelException e = assertThrows(KernelException.class, () -> KernelImageFile.inspect(missing));

        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    }
}
