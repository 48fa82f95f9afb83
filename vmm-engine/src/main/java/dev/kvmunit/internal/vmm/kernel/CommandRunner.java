package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Runs an external program (apt) to completion; a seam so tests need not run apt. */
public interface CommandRunner {

    /** Exit status and everything the program printed. */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /**
     * @param command    program and arguments, no shell involved
     * @param workingDir directory the program runs in
     * @throws IOException when the program cannot be started at all (not installed)
     */
    Result run(List<String> command, Path workingDir) throws IOException;

    /** The real thing: a child process whose output is collected. */
    static CommandRunner processes() {
        return new ProcessCommandRunner();
    }
}
