package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleIndexTest {
    private static final String REL = "6.12.0-test";
    private static final String KVM_AMD = "kernel/arch/x86/kvm/kvm-amd.ko.xz";
    private static final String KVM = "kernel/arch/x86/kvm/kvm.ko.xz";
    private static final String IRQBYPASS = "kernel/virt/lib/irqbypass.ko.xz";
    private static final String VIRTIO_MMIO = "kernel/drivers/virtio/virtio_mmio.ko";

    @TempDir
    Path dir;

    private List<Path> files(String... paths) {
        return Arrays.stream(paths).map(dir::resolve).toList();
    }

    private void writeBuiltin() throws IOException {
        Files.writeString(dir.resolve("modules.builtin"), "kernel/drivers/virtio/virtio.ko\nkernel/fs/binfmt_script.ko\n");
    }

    @Test
    void resolvesDependenciesFirstFromModulesDep() throws IOException {
        // depmod lists every dependency, the one to load last first.
        Files.writeString(dir.resolve("modules.dep"), KVM_AMD + ": " + KVM + " " + IRQBYPASS + "\n"
                + KVM + ": " + IRQBYPASS + "\n" + IRQBYPASS + ":\n" + VIRTIO_MMIO + ":\n");
        writeBuiltin();

        ModuleIndex index = ModuleIndex.load(REL, dir);

        assertEquals(files(IRQBYPASS, KVM, KVM_AMD), index.filesFor("kvm_amd"));
        assertEquals(files(IRQBYPASS, KVM, KVM_AMD), index.filesFor("kvm-amd"));
        assertEquals(files(VIRTIO_MMIO), index.filesFor("virtio-mmio"));
        assertEquals(files(IRQBYPASS, KVM, VIRTIO_MMIO, KVM_AMD), index.loadOrder(List.of("kvm", "virtio_mmio", "kvm_amd")));
    }

    @Test
    void builtInModulesNeedNoFiles() throws IOException {
        Files.writeString(dir.resolve("modules.dep"), VIRTIO_MMIO + ":\n");
        writeBuiltin();

        ModuleIndex index = ModuleIndex.load(REL, dir);

        assertTrue(index.isBuiltin("virtio"));
        assertFalse(index.hasModule("virtio"));
        assertEquals(List.of(), index.filesFor("virtio"));
        assertEquals(List.of(), index.filesFor("binfmt-script"));
    }

    @Test
    void anUnknownModuleIsNamedWithTheKernel() throws IOException {
        Files.writeString(dir.resolve("modules.dep"), VIRTIO_MMIO + ":\n");

        KernelException e = assertThrows(KernelException.class, () -> ModuleIndex.load(REL, dir).filesFor("sch_ext"));

        assertTrue(e.getMessage().contains("kernel " + REL + " has no module sch_ext"), e.getMessage());
    }

    @Test
    void aCycleIsReportedInsteadOfLooping() throws IOException {
        Files.writeString(dir.resolve("modules.dep"), "a.ko: b.ko\nb.ko: a.ko\n");

        KernelException e = assertThrows(KernelException.class, () -> ModuleIndex.load(REL, dir).filesFor("a"));

        assertTrue(e.getMessage().contains("cycle: a -> b -> a"), e.getMessage());
    }

    @Test
    void refusesModulePathsOutsideTheDirectory() throws IOException {
        Files.writeString(dir.resolve("modules.dep"), "../../../etc/evil.ko:\n");

        assertThrows(KernelException.class, () -> ModuleIndex.load(REL, dir));
    }

    @Test
    void withoutModulesDepTheModinfoSectionsAreScannedAndCanBeWrittenOut() throws IOException {
        ModuleFiles.write(dir, KVM_AMD, "kvm_amd", "kvm");
        ModuleFiles.write(dir, KVM, "kvm", "irqbypass");
        ModuleFiles.write(dir, IRQBYPASS, "irqbypass", "");
        ModuleFiles.write(dir, VIRTIO_MMIO, "virtio_mmio", "");
        writeBuiltin();

        ModuleIndex scanned = ModuleIndex.load(REL, dir);
        assertEquals(files(IRQBYPASS, KVM, KVM_AMD), scanned.filesFor("kvm_amd"));
        assertEquals(4, scanned.size());

        scanned.writeModulesDep();

        // Lines sorted by module name, so the file is reproducible.
        assertEquals(List.of(IRQBYPASS + ":", KVM + ": " + IRQBYPASS, KVM_AMD + ": " + KVM + " " + IRQBYPASS,
                VIRTIO_MMIO + ":"), Files.readAllLines(dir.resolve("modules.dep")));
        assertEquals(files(IRQBYPASS, KVM, KVM_AMD), ModuleIndex.load(REL, dir).filesFor("kvm-amd"));
    }

    @Test
    void aCorruptModuleIsNamed() throws IOException {
        byte[] elf = ModuleFiles.elf("broken", "");
        ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).putLong(0x28, 1L << 40); // section headers far away
        Path broken = Files.write(dir.resolve("broken.ko"), elf);

        KernelException e = assertThrows(KernelException.class, () -> ModuleInfo.read(broken));

        assertTrue(e.getMessage().contains(broken.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void readsNameAndDependenciesOfACompressedModule() throws IOException {
        Path module = ModuleFiles.write(dir, "kvm-amd.ko.xz", "kvm_amd", "kvm,ccp");

        assertEquals(new ModuleInfo("kvm_amd", List.of("kvm", "ccp")), ModuleInfo.read(module));
    }
}
