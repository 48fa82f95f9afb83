package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

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
    private static final String NO_APT_FIX = "this needs Debian/Ubuntu's apt; elsewhere set KVMUNIT_KERNEL"
            + " (or -Dkvmunit.kernel) to a kernel image";

    private final CommandRunner commands;
    private final KernelCache cache;
    private final Consumer<String> progress;

    public KernelProvisioner(CommandRunner commands, KernelCache cache, Consumer<String> progress) {
        this.commands = Objects.requireNonNull(commands, "commands");
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
        List<String> names = apt(List.of("apt-cache", "search", "--names-only", PACKAGE_PATTERN)).stdout().lines()
                .map(line -> line.split(" ", 2)[0].strip())
                .filter(name -> name.matches(PACKAGE_PATTERN))
                .toList();
        if (names.isEmpty()) {
            return Optional.empty();
        }
        List<String> show = new ArrayList<>(List.of("apt-cache", "show", "--no-all-versions"));
        show.addAll(names);
        return parseStanzas(apt(show).stdout()).stream()
                .filter(p -> p.matches(prefix))
                .max(Comparator.comparing(DebianKernelPackage::version));
    }

    /** Reads Package/Version/Size out of apt-cache show's RFC822-like stanzas. */
    static List<DebianKernelPackage> parseStanzas(String text) {
        List<DebianKernelPackage> packages = new ArrayList<>();
        for (String stanza : text.split("\\R\\s*\\R")) {
            String name = null;
            String version = null;
            long size = 0;
            for (String line : stanza.lines().toList()) {
                if (line.startsWith("Package:")) {
                    name = line.substring(8).strip();
                } else if (line.startsWith("Version:")) {
                    version = line.substring(8).strip();
                } else if (line.startsWith("Size:")) {
                    size = parseSize(line.substring(5).strip());
                }
            }
            if (name != null && version != null) {
                packages.add(new DebianKernelPackage(name, DebianVersion.parse(version),
                        DebianKernelPackage.releaseOf(name), size));
            }
        }
        return packages;
    }

    private static long parseSize(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private KernelTree downloadAndUnpack(DebianKernelPackage pkg) throws IOException {
        Path staging = cache.newStagingDirectory();
        try {
            Path download = Files.createDirectory(staging.resolve("download"));
            Path tree = Files.createDirectory(staging.resolve("tree"));
            progress.accept("downloading " + pkg + " (" + megabytes(pkg.size()) + ") with apt-get download");
            Path deb = download(pkg, download);
            progress.accept("unpacking " + deb.getFileName() + " into " + cache.directory().resolve(pkg.release()));
            DebPackage.Extraction extraction = new DebPackage(deb).extract(tree, selectionFor(pkg.release()));
            KernelTree staged = new KernelTree(tree, pkg.release());
            if (!staged.hasImage()) {
                throw new KernelException(pkg + " contains no boot/vmlinuz-" + pkg.release()
                        + "; it is not a kernel image package kvmunit understands");
            }
            progress.accept("unpacked " + extraction.files() + " files (" + megabytes(extraction.bytes()) + ")");
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

    private Path download(DebianKernelPackage pkg, Path into) throws IOException {
        CommandRunner.Result result = apt(List.of("apt-get", "download", pkg.name() + "=" + pkg.version()), into);
        if (!result.succeeded()) {
            throw new KernelException("apt-get download " + pkg.name() + "=" + pkg.version() + " failed (exit "
                    + result.exitCode() + "): " + result.stderr().strip()
                    + "\nCheck the network and apt's sources (`sudo apt-get update`), or set KVMUNIT_KERNEL");
        }
        try (Stream<Path> files = Files.list(into)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                    .orElseThrow(() -> new KernelException("apt-get download " + pkg.name()
                            + " reported success but left no .deb; its output was: " + result.stdout().strip()));
        }
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

    /** Runs an apt query whose failure means apt's lists are not usable. */
    private CommandRunner.Result apt(List<String> command) {
        CommandRunner.Result result = apt(command, Path.of(System.getProperty("java.io.tmpdir")));
        if (!result.succeeded()) {
            throw new KernelException(String.join(" ", command) + " failed (exit " + result.exitCode() + "): "
                    + result.stderr().strip() + "\nRun `sudo apt-get update`, or set KVMUNIT_KERNEL");
        }
        return result;
    }

    private CommandRunner.Result apt(List<String> command, Path cwd) {
        try {
            return commands.run(command, cwd);
        } catch (IOException e) {
            throw new KernelException("cannot run " + command.get(0) + " (" + e.getMessage() + "): " + NO_APT_FIX, e);
        }
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
