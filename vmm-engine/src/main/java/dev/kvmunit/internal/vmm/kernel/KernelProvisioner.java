package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Provides Debian's cloud kernel ({@code linux-image-REL-cloud-amd64-unsigned}) without root:
 * asks apt for the newest such package, fetches it with {@code apt-get download} and unpacks
 * image, config and modules in-process into the {@link KernelCache}.
 *
 * <p>Works wherever apt has Debian's kernel packages in its lists (Debian, or Ubuntu with a
 * Debian source). Long steps announce themselves on the progress sink, because a first test
 * run otherwise looks hung while 35 MB download and unpack.
 */
public final class KernelProvisioner {
    /** The kernel series kvmunit is tested with and provisions when nothing else is asked for. */
    public static final VersionPrefix DEFAULT_SERIES = new VersionPrefix("6.12");

    private static final String PACKAGE_PATTERN = "^linux-image-[0-9].*-cloud-amd64-unsigned$";

    private final Apt apt;
    private final KernelCache cache;
    private final Consumer<String> progress;

    public KernelProvisioner(CommandRunner commands, KernelCache cache, Consumer<String> progress) {
        this.apt = new Apt(commands, "set KVMUNIT_KERNEL (or -Dkvmunit.kernel) to a kernel image");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Real apt, the current user's cache, progress on stderr. */
    public static KernelProvisioner forCurrentUser() {
        return new KernelProvisioner(CommandRunner.processes(), KernelCache.forCurrentUser(),
                line -> System.err.println("[kvmunit] " + line));
    }

    public KernelCache cache() {
        return cache;
    }

    /** The newest cloud kernel of the default series, from the cache if it is there already. */
    public KernelTree provisionDefault() {
        return provision(DEFAULT_SERIES);
    }

    /**
     * The newest cloud kernel whose version starts with prefix, from the cache if it is there
     * already. When apt cannot be asked (not installed, broken lists, no such package any more)
     * the newest cached match is used, so a machine with a filled cache works offline.
     */
    public KernelTree provision(VersionPrefix prefix) {
        Optional<DebianKernelPackage> newest;
        try {
            newest = newestPackage(prefix);
        } catch (KernelException aptUnusable) {
            return cachedInstead(prefix, aptUnusable.getMessage()).orElseThrow(() -> aptUnusable);
        }
        if (newest.isEmpty()) {
            return cachedInstead(prefix, "apt knows no such package").orElseThrow(() -> new KernelException(
                    "apt knows no Debian cloud kernel package for version " + prefix + " (linux-image-" + prefix
                            + "*-cloud-amd64-unsigned): run `sudo apt-get update`; if it still is missing, add a"
                            + " Debian source that has it, or set KVMUNIT_KERNEL to a kernel image"));
        }
        DebianKernelPackage pkg = newest.get();
        return cache.find(pkg.release()).orElseGet(() -> cache.underLock(() -> {
            // Another JVM may have provisioned it while this one waited for the lock.
            Optional<KernelTree> cached = cache.find(pkg.release());
            return cached.isPresent() ? cached.get() : downloadAndUnpack(pkg);
        }));
    }

    private Optional<KernelTree> cachedInstead(VersionPrefix prefix, String whyNotApt) {
        Optional<KernelTree> cached = cache.newestMatching(prefix);
        cached.ifPresent(k -> progress.accept("using cached kernel " + k.release()
                + "; could not ask apt for a newer one: " + whyNotApt));
        return cached;
    }

    /** Asks apt which cloud kernel packages it has and picks the newest by Debian version order. */
    public Optional<DebianKernelPackage> newestPackage(VersionPrefix prefix) {
        List<String> names = apt.query(List.of("apt-cache", "search", "--names-only", PACKAGE_PATTERN)).stdout().lines()
                .map(line -> line.split(" ", 2)[0].strip())
                .filter(name -> name.matches(PACKAGE_PATTERN))
                .toList();
        if (names.isEmpty()) {
            return Optional.empty();
        }
        return apt.candidates(names).stream()
                .map(p -> new DebianKernelPackage(p.name(), p.version(), DebianKernelPackage.releaseOf(p.name()), p.size()))
                .filter(p -> p.matches(prefix))
                .max(Comparator.comparing(DebianKernelPackage::version));
    }

    private KernelTree downloadAndUnpack(DebianKernelPackage pkg) throws IOException {
        Path staging = cache.newStagingDirectory();
        try {
            Path download = Files.createDirectory(staging.resolve("download"));
            Path tree = Files.createDirectory(staging.resolve("tree"));
            progress.accept("downloading " + pkg + " (" + Apt.megabytes(pkg.size()) + ") with apt-get download");
            Path deb = apt.download(new Apt.Package(pkg.name(), pkg.version(), pkg.size()), download);
            progress.accept("unpacking " + deb.getFileName() + " into " + cache.directory().resolve(pkg.release()));
            DebPackage.Extraction extraction = new DebPackage(deb).extract(tree, selectionFor(pkg.release()));
            KernelTree staged = new KernelTree(tree, pkg.release());
            if (!staged.hasImage()) {
                throw new KernelException(pkg + " contains no boot/vmlinuz-" + pkg.release()
                        + "; it is not a kernel image package kvmunit understands");
            }
            progress.accept("unpacked " + extraction.files() + " files (" + Apt.megabytes(extraction.bytes()) + ")");
            writeModuleIndex(staged);
            return cache.publish(tree, pkg.release());
        } finally {
            FileTrees.deleteRecursively(staging);
        }
    }

    /** Debian packages leave modules.dep to depmod at install time; kvmunit installs nothing, so it writes one. */
    private void writeModuleIndex(KernelTree tree) {
        tree.modulesDir().ifPresent(dir -> {
            if (!Files.exists(dir.resolve("modules.dep"))) {
                progress.accept("indexing the modules of " + tree.release());
                ModuleIndex.scan(tree.release(), dir).writeModulesDep();
            }
        });
    }

    /** Image, config and the module tree; System.map and documentation are not needed. */
    static Predicate<String> selectionFor(String release) {
        String modules = "lib/modules/" + release;
        String usrModules = "usr/" + modules;
        return name -> name.equals("boot/vmlinuz-" + release)
                || name.equals("boot/config-" + release)
                || name.equals(modules) || name.startsWith(modules + "/")
                || name.equals(usrModules) || name.startsWith(usrModules + "/");
    }
}
