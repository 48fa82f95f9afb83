package dev.kvmunit.internal.vmm.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

class KernelCommandsTest {
    @TempDir
    Path temp;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listsCachedKernelsNewestFirst() throws IOException {
        KernelCache cache = new KernelCache(temp);
        KernelImages.writeTree(temp.resolve("6.1.0-56-cloud-amd64"), "6.1.0-56-cloud-amd64");
        KernelImages.writeTree(temp.resolve("6.12.10+deb12-cloud-amd64"), "6.12.10+deb12-cloud-amd64");
        KernelCommands commands = new KernelCommands(new KernelProvisioner(mock(CommandRunner.class), cache, s -> { }), out);

        assertEquals(2, commands.listCached().size());

        String[] lines = output().split("\n");
        assertTrue(lines[0].startsWith("6.12.10+deb12-cloud-amd64  ") && lines[0].endsWith("vmlinuz-6.12.10+deb12-cloud-amd64"),
                output());
        assertTrue(lines[1].startsWith("6.1.0-56-cloud-amd64       "), output());
    }

    @Test
    void anEmptyCacheSaysHowToFillIt() {
        KernelCommands commands = new KernelCommands(
                new KernelProvisioner(mock(CommandRunner.class), new KernelCache(temp), s -> { }), out);

        assertTrue(commands.listCached().isEmpty());
        assertTrue(output().contains("no kernels cached in " + temp) && output().contains("provision"), output());
    }

    @Test
    void provisionPrintsWhereTheKernelIs() throws IOException {
        KernelProvisioner provisioner = mock(KernelProvisioner.class);
        KernelTree tree = KernelImages.writeTree(temp.resolve("k"), "6.12.10+deb12-cloud-amd64");
        when(provisioner.provision(new VersionPrefix("6.12.10"))).thenReturn(tree);

        new KernelCommands(provisioner, out).provision("6.12.10");

        assertTrue(output().contains("kernel 6.12.10+deb12-cloud-amd64 is ready: " + tree.image()), output());
    }

    @Test
    void provisionRejectsSomethingThatIsNoVersion() {
        KernelProvisioner provisioner = mock(KernelProvisioner.class);

        assertThrows(KernelException.class, () -> new KernelCommands(provisioner, out).provision("latest"));
        verifyNoInteractions(provisioner);
    }
}
