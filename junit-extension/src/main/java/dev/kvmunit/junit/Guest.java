package dev.kvmunit.junit;


import java.nio.charset.StandardCharsets;

/**
 * The running guest of a {@link VmTest}, driven through the guest init over the agent
 * channel. Methods that talk to the guest fail the test (with the VM's fate and the last
 * console lines) when the guest has died or the channel broke.
 */
public interface Guest {
    /** {@code uname -r} of the guest kernel, as the guest reported it when it came up. */
    String kernelRelease();

    /** The release of the kernel kvmunit resolved and booted for this test (see the README's order). */
    String resolvedKernelRelease();

    /** CPUs online when the guest came up. */
    int cpus();

    /** RAM the guest kernel manages, in bytes. */
    long memoryBytes();

    /** Runs a command and returns how it ended; a non-zero exit is not a failure here. */
    default ExecResult exec(String... argv) {
        return exec(ExecRequest.of(argv));
    }

    ExecResult exec(ExecRequest request);

    /** Runs a command and hands its output to {@code listener} while it runs. */
    ExecResult exec(ExecRequest request, ExecListener listener);

    /**
     * Runs a command that must succeed: a non-zero exit, a signal or a timeout fails the test
     * with the command, its status and its stderr and stdout.
     */
    ExecResult run(String... argv);

    byte[] readFile(String path);

    default String readString(String path) {
        return new String(readFile(path), StandardCharsets.UTF_8);
    }

    /** Writes a file with mode 0644. */
    void writeFile(String path, byte[] content);

    void writeFile(String path, byte[] content, int mode);

    default void writeString(String path, String content) {
        writeFile(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** The guest console so far (kernel log on COM1 and the guest init's stage lines). */
    String console();
}
