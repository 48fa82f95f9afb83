package dev.kvmunit.internal.kbuild;

import dev.kvmunit.internal.vmm.kernel.Apt;
import dev.kvmunit.internal.vmm.kernel.DebPackage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's kernel source package, {@code linux-source-6.12}: the version apt would install is the
 * source's identity (so a new Debian upload means a new build), {@code apt-get download} fetches
 * it without root, {@link DebPackage} takes the tarball out of the .deb in-process, and
 * {@code tar -xf} unpacks the tarball: xz-utils does 140 MB in about 18 s here, where
 * commons-compress with XZ for Java took over 6 minutes (both measured on this 2-core machine
 * under load; see docs/kernel-build.md).
 */
public final class DebianKernelSource implements KernelSource {
    public static final String PACKAGE = "linux-source-6.12";
    /** The tarball's path inside the package, as {@link DebPackage} names entries. */
    static final String TARBALL = "usr/src/" + PACKAGE + ".tar.xz";

    private final Apt apt;
    private final Apt.Package pkg;

    private DebianKernelSource(Apt apt, Apt.Package pkg) {
        this.apt = apt;
        this.pkg = pkg;
    }

    /** The version of {@link #PACKAGE} apt would install now. */
    public static DebianKernelSource candidate(Apt apt) {
        List<Apt.Package> found = apt.candidates(List.of(PACKAGE));
        if (found.isEmpty()) {
            throw new KernelBuildException("apt knows no package " + PACKAGE + ": run `sudo apt-get update`; if it is still unknown,"
                    + " add a Debian source that has it, or build from a kernel tree with --source DIR");
        }
        return new DebianKernelSource(apt, found.get(0));
    }

    /** "debian linux-source-6.12=6.12.118-1~deb12u1". */
    @Override
    public String identity() {
        return "debian " + pkg.pinned();
    }

    @Override
    public Path prepare(Path workDir, BuildSteps steps, BuildProgress progress) {
        try {
            Path download = Files.createDirectories(workDir.resolve("download"));
            progress.status("downloading " + pkg + " (" + Apt.megabytes(pkg.size()) + ") with apt-get download");
            Path deb = apt.download(pkg, download);
            progress.status("taking " + TARBALL + " out of " + deb.getFileName());
            new DebPackage(deb).extract(download, TARBALL::equals);
            Path tarball = download.resolve(TARBALL);
            if (!Files.isRegularFile(tarball)) {
                throw new KernelBuildException(deb + " has no " + TARBALL + "; Debian changed the package layout:"
                        + " build from a kernel tree with --source DIR");
            }
            Files.delete(deb);
            progress.status("unpacking " + tarball.getFileName() + " (tar -xf)");
            steps.run("unpack " + tarball.getFileName(), List.of("tar", "-xf", tarball.toString(), "-C",
                    workDir.toString()), workDir, line -> { });
            Files.delete(tarball);
            Path tree = workDir.resolve(PACKAGE);
            if (!Files.isRegularFile(tree.resolve("Makefile"))) {
                throw new KernelBuildException(TARBALL + " did not unpack into a " + PACKAGE + "/ kernel tree");
            }
            return tree;
        } catch (IOException e) {
            throw new KernelBuildException("cannot fetch and unpack " + pkg + " into " + workDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return pkg.toString();
    }
}
