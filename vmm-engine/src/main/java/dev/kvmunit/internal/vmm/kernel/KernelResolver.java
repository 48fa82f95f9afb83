package dev.kvmunit.internal.vmm.kernel;

import dev.kvmunit.internal.vmm.boot.KernelImage;
import dev.kvmunit.internal.vmm.boot.KernelImageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Decides which kernel a test or the CLI boots. The first of these that is present wins:
 * <ol>
 *   <li>the explicit value (the test annotation's or the CLI's argument),</li>
 *   <li>system property {@code kvmunit.kernel},</li>
 *   <li>environment variable {@code KVMUNIT_KERNEL},</li>
 *   <li>the newest kernel in the kernel cache ({@code $XDG_CACHE_HOME/kvmunit/kernels}),</li>
 *   <li>the host's own kernel, {@code /boot/vmlinuz-$(uname -r)} with
 *       {@code /lib/modules/$(uname -r)}, if this user can read it,</li>
 *   <li>the provisioned default: the newest Debian 6.12 cloud kernel, fetched with apt.</li>
 * </ol>
 * A caller may put a step between 3 and 4 ({@link #resolvePreferring}): tests with a sched_ext
 * scheduler prefer the kernel named "sched-ext".
 * A value (steps 1-3) is, in this order of interpretation: a path to a kernel image (bzImage
 * or ELF vmlinux; anything containing '/'), a name given with {@link #withNamedKernel} (kernels
 * made elsewhere, such as the sched_ext build), a path to an existing file, the release name of a
 * cached kernel (e.g. {@code 6.12.117+deb12-cloud-amd64}), or a version prefix (e.g.
 * {@code 6.12}: the newest cached kernel that matches, else the newest matching Debian cloud
 * kernel, provisioned). For an image given by path, the release comes from its file name
 * ({@code vmlinuz-REL}), from a kernel build tree's {@code include/config/kernel.release}, or
 * from the bzImage header; modules are taken from {@code ../lib/modules/REL} and the config
 * from {@code config-REL} or {@code .config} beside the image. Every chosen image is parsed
 * ({@link KernelImage#load}), so a missing, truncated or non-kernel file fails here, naming the
 * file and where the choice came from.
 */
public final class KernelResolver {
    public static final String PROPERTY = "kvmunit.kernel";
    public static final String ENVIRONMENT = "KVMUNIT_KERNEL";

    private final Function<String, String> properties;
    private final Function<String, String> environment;
    private final KernelCache cache;
    private final Path hostRoot;
    private final Supplier<KernelProvisioner> provisioner;
    private final Map<String, Supplier<ResolvedKernel>> named;

    /**
     * @param properties  system property lookup
     * @param environment environment variable lookup
     * @param cache       the kernel cache
     * @param hostRoot    root of the host file system ("/"); its proc/sys/kernel/osrelease names the running kernel
     * @param provisioner created only when needed, as it may run apt
     */
    public KernelResolver(Function<String, String> properties, Function<String, String> environment, KernelCache cache,
                          Path hostRoot, Supplier<KernelProvisioner> provisioner) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.environment = Objects.requireNonNull(environment, "environment");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.hostRoot = Objects.requireNonNull(hostRoot, "hostRoot");
        this.provisioner = Objects.requireNonNull(provisioner, "provisioner");
        this.named = Map.of();
    }

    private KernelResolver(KernelResolver base, Map<String, Supplier<ResolvedKernel>> named) {
        this.properties = base.properties;
        this.environment = base.environment;
        this.cache = base.cache;
        this.hostRoot = base.hostRoot;
        this.provisioner = base.provisioner;
        this.named = Map.copyOf(named);
    }

    /**
     * This resolver, also understanding name as a value: the kernel comes from the supplier, called
     * only when the name is resolved (it may build the kernel).
     */
    public KernelResolver withNamedKernel(String name, Supplier<ResolvedKernel> kernel) {
        Map<String, Supplier<ResolvedKernel>> more = new HashMap<>(named);
        more.put(name, kernel);
        return new KernelResolver(this, more);
    }

    /** This process's properties and environment, the current user's cache, the real host. */
    public static KernelResolver forCurrentProcess() {
        return new KernelResolver(System::getProperty, System::getenv, KernelCache.forCurrentUser(), Path.of("/"),
                KernelProvisioner::forCurrentUser);
    }

    /** Resolves with no explicit value. */
    public ResolvedKernel resolve() {
        return resolve(null);
    }

    /** @param explicit the annotation's or CLI's value; null or blank for none */
    public ResolvedKernel resolve(String explicit) {
        return configured(explicit).orElseGet(this::unconfigured);
    }

    /**
     * Like {@link #resolve(String)}, but when none of steps 1-3 names a kernel, the value
     * preferred is resolved instead of steps 4-6.
     *
     * @param why why this caller prefers it, for the kernel's origin
     */
    public ResolvedKernel resolvePreferring(String explicit, String preferred, String why) {
        return configured(explicit).orElseGet(() -> resolveValue(preferred, why + " (" + preferred + ")"));
    }

    /** Steps 1-3. */
    private Optional<ResolvedKernel> configured(String explicit) {
        if (isSet(explicit)) {
            return Optional.of(resolveValue(explicit.strip(), "the explicitly requested kernel"));
        }
        String property = properties.apply(PROPERTY);
        if (isSet(property)) {
            return Optional.of(resolveValue(property.strip(), "system property " + PROPERTY));
        }
        String env = environment.apply(ENVIRONMENT);
        if (isSet(env)) {
            return Optional.of(resolveValue(env.strip(), "environment variable " + ENVIRONMENT));
        }
        return Optional.empty();
    }

    /** Steps 4-6. */
    private ResolvedKernel unconfigured() {
        Optional<KernelTree> cached = cache.newest();
        if (cached.isPresent()) {
            return fromTree(cached.get(), "newest kernel in " + cache.directory());
        }
        Optional<KernelTree> host = hostKernel();
        if (host.isPresent()) {
            return fromTree(host.get(), "the host's running kernel");
        }
        return fromTree(provisioner.get().provisionDefault(), "provisioned default (Debian "
                + KernelProvisioner.DEFAULT_SERIES + " cloud kernel)");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private ResolvedKernel resolveValue(String value, String origin) {
        Supplier<ResolvedKernel> namedKernel = named.get(value);
        if (namedKernel != null) {
            ResolvedKernel kernel = namedKernel.get();
            parse(kernel.image(), origin + " (" + value + ")");
            return new ResolvedKernel(kernel.image(), kernel.release(), kernel.modulesDir(), kernel.config(),
                    origin + ": " + kernel.origin());
        }
        Path path = Path.of(value);
        if (value.contains("/") || Files.exists(path)) {
            return fromImage(path.toAbsolutePath().normalize(), origin + " (" + value + ")");
        }
        Optional<KernelTree> cached = cache.find(value);
        if (cached.isPresent()) {
            return fromTree(cached.get(), origin + " (cached " + value + ")");
        }
        if (VersionPrefix.looksLikeOne(value)) {
            VersionPrefix prefix = new VersionPrefix(value);
            KernelTree tree = cache.newestMatching(prefix).orElseGet(() -> provisioner.get().provision(prefix));
            return fromTree(tree, origin + " (version " + value + ")");
        }
        throw new KernelException("kernel '" + value + "' from " + origin + " is neither a kernel image file, nor a"
                + (named.isEmpty() ? "" : " kernel name (" + String.join(", ", new TreeSet<>(named.keySet())) + "), nor a")
                + " cached release (" + cachedReleases() + "), nor a version prefix like 6.12");
    }

    private String cachedReleases() {
        String releases = cache.list().stream().map(KernelTree::release).collect(Collectors.joining(", "));
        return releases.isEmpty() ? "the cache " + cache.directory() + " is empty" : "cached: " + releases;
    }

    /** The running kernel's Debian-layout files, if this user can read the image. */
    private Optional<KernelTree> hostKernel() {
        Path osrelease = hostRoot.resolve("proc/sys/kernel/osrelease");
        try {
            String release = Files.readString(osrelease, StandardCharsets.US_ASCII).strip();
            KernelTree tree = new KernelTree(hostRoot, release);
            return tree.hasImage() && Files.isReadable(tree.image()) ? Optional.of(tree) : Optional.empty();
        } catch (IOException | IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    /** Parsing the image up front names a truncated or foreign file before a VM is built around it. */
    private static ResolvedKernel fromTree(KernelTree tree, String origin) {
        parse(tree.image(), origin);
        return new ResolvedKernel(tree.image(), tree.release(), tree.modulesDir(), KernelConfig.of(tree), origin);
    }

    private static ResolvedKernel fromImage(Path image, String origin) {
        String release = releaseOf(parse(image, origin));
        Path dir = image.getParent();
        Optional<Path> modulesDir = dir.getParent() == null ? Optional.empty()
                : new KernelTree(dir.getParent(), release).modulesDir();
        return new ResolvedKernel(image, release, modulesDir, configBeside(image, release), origin);
    }

    /** The boot package's parser, its complaint extended by where the kernel choice came from. */
    private static KernelImage parse(Path image, String origin) {
        try {
            return KernelImage.load(image);
        } catch (KernelImageException e) {
            throw new KernelException(e.getMessage() + " (chosen by " + origin + ")", e);
        }
    }

    /**
     * vmlinuz-REL / vmlinux-REL, else a build tree's kernel.release, else the first word of the
     * bzImage's version string, else the file name.
     */
    private static String releaseOf(KernelImage image) {
        String name = image.path().getFileName().toString();
        for (String prefix : new String[] {"vmlinuz-", "vmlinux-"}) {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                return name.substring(prefix.length());
            }
        }
        Optional<Path> buildTree = buildTreeOf(image.path());
        if (buildTree.isPresent()) {
            Path release = buildTree.get().resolve("include/config/kernel.release");
            if (Files.isRegularFile(release)) {
                try {
                    return Files.readString(release, StandardCharsets.US_ASCII).strip();
                } catch (IOException e) {
                    throw new KernelException("cannot read " + release + ": " + e.getMessage(), e);
                }
            }
        }
        return image.version()
                .map(version -> version.strip().split("\\s+", 2)[0])
                .filter(release -> !release.isEmpty() && !release.contains("/"))
                .orElse(name);
    }

    /** A kernel build tree holds vmlinux at its top and bzImage at arch/x86/boot/bzImage. */
    private static Optional<Path> buildTreeOf(Path image) {
        Path dir = image.getParent();
        if (image.endsWith("arch/x86/boot/bzImage")) {
            return Optional.of(dir.getParent().getParent().getParent());
        }
        return image.getFileName().toString().equals("vmlinux") ? Optional.of(dir) : Optional.empty();
    }

    private static Optional<KernelConfig> configBeside(Path image, String release) {
        Path debian = image.resolveSibling("config-" + release);
        if (Files.isRegularFile(debian)) {
            return Optional.of(KernelConfig.read(release, debian));
        }
        return buildTreeOf(image).or(() -> Optional.of(image.getParent()))
                .map(dir -> dir.resolve(".config"))
                .filter(Files::isRegularFile)
                .map(config -> KernelConfig.read(release, config));
    }
}
