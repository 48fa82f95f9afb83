package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.vmm.image.ElfClosure;
import dev.kvmunit.internal.vmm.image.ElfClosureException;
import dev.kvmunit.internal.vmm.image.InitramfsContents;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The image layer between the common base and the per-test overlay: the test's probe and
 * scheduler binaries, each with its ELF interpreter and libraries ({@link ElfClosure}).
 *
 * <p>Every file sits in the guest at its host path, links included, so a binary's
 * {@code $ORIGIN} RPATH and any path compiled into it work as on the host. Each binary is also
 * linked as {@code /usr/local/bin/<name>}, the first directory on the PATH the guest init
 * sets, so {@code guest.exec("stress-ng")} runs the probe wherever it lives on the host and a
 * probe wins over a busybox applet of the same name.
 *
 * <p>Libraries that only the host's {@code /etc/ld.so.conf} points at are not found by the
 * guest's loader, which has no {@code ld.so.cache}; {@link #libraryPath()} lists their
 * directories for {@code LD_LIBRARY_PATH} of the commands the test runs.
 */
final class BinaryLayer {
    /** First entry of the PATH the guest init gives commands (guest-init's main.c). */
    static final Path COMMAND_DIRECTORY = Path.of("/usr/local/bin");

    private final InitramfsContents contents;
    private final Optional<String> libraryPath;

    private BinaryLayer(InitramfsContents contents, Optional<String> libraryPath) {
        this.contents = contents;
        this.libraryPath = libraryPath;
    }

    /**
     * Gathers the binaries and their closures.
     *
     * @throws GuestBinaryException naming the binary when it is not an x86_64 ELF program, a library
     *                              it needs is missing, or two binaries want the same command name
     */
    static BinaryLayer of(List<ResolvedBinary> binaries, ElfClosure closures) {
        InitramfsContents contents = new InitramfsContents();
        Set<Path> libraryDirectories = new LinkedHashSet<>();
        Map<String, ResolvedBinary> byName = new HashMap<>();
        for (ResolvedBinary binary : binaries) {
            ResolvedBinary sameName = byName.putIfAbsent(binary.name(), binary);
            if (sameName != null) {
                if (sameName.path().equals(binary.path())) {
                    continue;
                }
                throw new GuestBinaryException(binary.describe() + " and " + sameName.describe()
                        + " would both be the guest command '" + binary.name() + "': rename one of the files");
            }
            try {
                ElfClosure.Closure closure = closures.resolve(List.of(binary.path()));
                closure.addTo(contents);
                libraryDirectories.addAll(closure.extraLibraryDirectories());
            } catch (ElfClosureException e) {
                throw new GuestBinaryException(binary.describe() + " cannot run in the guest: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new GuestBinaryException(binary.describe() + " cannot be copied into the guest image: " + e, e);
            }
            Path command = COMMAND_DIRECTORY.resolve(binary.name());
            if (!command.equals(binary.path())) {
                contents.symlink(command.toString(), binary.path().toString());
            }
        }
        return new BinaryLayer(contents, libraryDirectories.isEmpty() ? Optional.empty()
                : Optional.of(libraryDirectories.stream().map(Path::toString).collect(Collectors.joining(":"))));
    }

    InitramfsContents contents() {
        return contents;
    }

    /** Directories the guest's loader must be told about, ':'-separated; empty when there are none. */
    Optional<String> libraryPath() {
        return libraryPath;
    }
}
