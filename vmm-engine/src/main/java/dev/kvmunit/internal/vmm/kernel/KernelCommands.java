package dev.kvmunit.internal.vmm.kernel;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/**
 * The kernel commands of the kvmunit command line: provision a kernel ahead of a test run
 * (CI images, offline laptops) and list what is cached. Output is plain lines for people.
 */
public final class KernelCommands {
    private final KernelProvisioner provisioner;
    private final PrintStream out;

    public KernelCommands(KernelProvisioner provisioner, PrintStream out) {
        this.provisioner = Objects.requireNonNull(provisioner, "provisioner");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Real apt and the current user's cache; progress and results on out. */
    public static KernelCommands forCurrentUser(PrintStream out) {
        return new KernelCommands(new KernelProvisioner(CommandRunner.processes(), KernelCache.forCurrentUser(),
                out::println), out);
    }

    /** {@code provision}: the newest Debian cloud kernel of the default series. */
    public KernelTree provisionDefault() {
        return report(provisioner.provisionDefault());
    }

    /** {@code provision VERSION}: the newest Debian cloud kernel whose version starts with version. */
    public KernelTree provision(String version) {
        if (!VersionPrefix.looksLikeOne(version)) {
            throw new KernelException("'" + version + "' is not a kernel version: give one like "
                    + KernelProvisioner.DEFAULT_SERIES + " or 6.12.117");
        }
        return report(provisioner.provision(new VersionPrefix(version)));
    }

    private KernelTree report(KernelTree tree) {
        out.println("kernel " + tree.release() + " is ready: " + tree.image());
        return tree;
    }

    /** {@code list}: cached kernels, newest first, one "release  image" line each. */
    public List<KernelTree> listCached() {
        List<KernelTree> kernels = provisioner.cache().list();
        if (kernels.isEmpty()) {
            out.println("no kernels cached in " + provisioner.cache().directory()
                    + "; `provision` fetches Debian's " + KernelProvisioner.DEFAULT_SERIES + " cloud kernel");
        }
        int width = kernels.stream().mapToInt(k -> k.release().length()).max().orElse(0);
        for (KernelTree kernel : kernels) {
            out.println(String.format("%-" + width + "s  %s", kernel.release(), kernel.image()));
        }
        return kernels;
    }
}
