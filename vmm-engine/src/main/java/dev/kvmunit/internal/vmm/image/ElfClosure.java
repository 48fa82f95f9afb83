package dev.kvmunit.internal.vmm.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds what a guest needs to run host binaries: each binary, its ELF interpreter (PT_INTERP) and
 * the transitive DT_NEEDED libraries, resolved in the order glibc's loader uses:
 * <ol>
 * <li>a name containing '/' is a path and is used as is;</li>
 * <li>DT_RPATH of the object that needs the library, then of the object that loaded that one, up
 *     to the executable, but only when the needing object has no DT_RUNPATH;</li>
 * <li>(LD_LIBRARY_PATH is deliberately not consulted: it describes the shell that runs the build,
 *     not the guest, and honouring it would make the same test produce different images, and cache
 *     keys, depending on who started Maven);</li>
 * <li>DT_RUNPATH of the needing object only;</li>
 * <li>the directories of /etc/ld.so.conf, which the host loader uses through ld.so.cache;</li>
 * <li>the default directories.</li>
 * </ol>
 * {@code $ORIGIN} expands to the directory of the object whose path list it is in. The loader's
 * glibc-hwcaps subdirectories (x86-64-v3 builds of a library) are not searched: Debian ships none
 * for the libraries tests use, and the baseline build runs on every CPU the guest may get. Candidates that
 * are not x86_64 64-bit ELF files are skipped as the loader skips them. A library that was already
 * found (by the name it was asked for or its DT_SONAME) is reused, as the loader does.
 *
 * <p>Libraries found through /etc/ld.so.conf directories that the guest's loader does not search
 * by default (it has no ld.so.cache) are reported by {@link Closure#extraLibraryDirectories()}; the
 * guest must put them on LD_LIBRARY_PATH.
 */
public final class ElfClosure {
    /** glibc's built-in search path on Debian x86_64 first, then the non-multiarch spellings. */
    static final List<Path> DEFAULT_DIRECTORIES = List.of(Path.of("/lib/x86_64-linux-gnu"),
            Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"),
            Path.of("/usr/lib"));

    private final List<Path> configuredDirectories;
    private final List<Path> defaultDirectories;

    /** Resolves like the host's loader: the host's /etc/ld.so.conf and default directories. */
    public static ElfClosure forHost() throws IOException {
        return new ElfClosure(LdSoConf.directories(Path.of("/etc/ld.so.conf")), DEFAULT_DIRECTORIES);
    }

    ElfClosure(List<Path> configuredDirectories, List<Path> defaultDirectories) {
        this.configuredDirectories = List.copyOf(configuredDirectories);
        this.defaultDirectories = List.copyOf(defaultDirectories);
    }

    /** The binaries plus everything they load, placed at their host paths. */
    public Closure resolve(Collection<Path> binaries) throws ElfClosureException {
        Resolution resolution = new Resolution();
        for (Path binary : binaries) {
            resolution.addExecutable(binary);
        }
        return resolution.finish();
    }

    /**
     * The files (at their host absolute paths) that make up the closure, and the library directories
     * the guest loader must be told about.
     */
    public record Closure(List<Path> files, List<Path> extraLibraryDirectories) {
        public Closure {
            files = List.copyOf(files);
            extraLibraryDirectories = List.copyOf(extraLibraryDirectories);
        }

        /** Adds every file, and the symlinks on the way to it, at the same path in the image. */
        public void addTo(InitramfsContents contents) throws IOException {
            for (Path file : files) {
                HostFileMirror.mirror(file, contents);
            }
        }
    }

    /** An object in the load graph and the object whose DT_NEEDED brought it in (null for executables). */
    private record Loaded(Path path, ElfFile elf, Loaded loader) {
        Path origin() {
            return path.getParent();
        }

        boolean rpathApplies() {
            return elf.runpath().isEmpty();
        }
    }

    private final class Resolution {
        private final Set<Path> files = new LinkedHashSet<>();
        private final Set<Path> extraDirectories = new LinkedHashSet<>();
        private final Map<String, Path> loadedByName = new HashMap<>();
        private final Deque<Loaded> pending = new ArrayDeque<>();

        void addExecutable(Path binary) throws ElfClosureException {
            Path absolute = binary.toAbsolutePath().normalize();
            if (!Files.exists(absolute)) {
                throw new ElfClosureException(binary + " does not exist; give the path of a compiled binary");
            }
            ElfFile elf = ElfFile.read(absolute);
            files.add(absolute);
            // Every executable is its own process: a library one binary found through its RPATH must not
            // stand in for a same-named library another binary loads from the system.
            loadedByName.clear();
            // The loader computes the executable's $ORIGIN from /proc/self/exe, i.e. its real path.
            Path real;
            try {
                real = absolute.toRealPath();
            } catch (IOException e) {
                throw new ElfClosureException("cannot resolve " + absolute + ": " + e, e);
            }
            Optional<String> interpreter = elf.interpreter();
            if (interpreter.isPresent()) {
                Path interp = Path.of(interpreter.get());
                if (!Files.isRegularFile(interp)) {
                    throw new ElfClosureException(binary + " needs the ELF interpreter " + interp
                            + ", which does not exist on this host; install it or link the binary statically");
                }
                ElfFile.read(interp);
                files.add(interp);
            }
            pending.add(new Loaded(real, elf, null));
            drain();
        }

        private void drain() throws ElfClosureException {
            while (!pending.isEmpty()) {
                Loaded object = pending.removeFirst();
                for (String name : object.elf().needed()) {
                    if (!loadedByName.containsKey(name)) {
                        load(name, object);
                    }
                }
            }
        }

        private void load(String name, Loaded needer) throws ElfClosureException {
            Path found = find(name, needer);
            ElfFile elf = ElfFile.read(found);
            files.add(found);
            loadedByName.put(name, found);
            elf.soname().ifPresent(soname -> loadedByName.putIfAbsent(soname, found));
            pending.add(new Loaded(found, elf, needer));
        }

        private Path find(String name, Loaded needer) throws ElfClosureException {
            if (name.contains("/")) {
                Path direct = Path.of(name);
                if (direct.isAbsolute() && isLoadable(direct, new ArrayList<>())) {
                    return direct;
                }
                throw new ElfClosureException(chainOf(needer) + " needs " + name + " by path, and that is not an"
                        + " x86_64 library on this host");
            }
            List<String> looked = new ArrayList<>();
            if (needer.rpathApplies()) {
                for (Loaded object = needer; object != null; object = object.loader()) {
                    if (object.rpathApplies() && object.elf().rpath().isPresent()) {
                        Path hit = search(name, expand(object.elf().rpath().get(), object, looked), "RPATH of "
                                + object.path(), looked);
                        if (hit != null) {
                            return hit;
                        }
                    }
                }
            }
            if (needer.elf().runpath().isPresent()) {
                Path hit = search(name, expand(needer.elf().runpath().get(), needer, looked), "RUNPATH of "
                        + needer.path(), looked);
                if (hit != null) {
                    return hit;
                }
            }
            Path hit = search(name, configuredDirectories, "ld.so.conf", looked);
            if (hit != null) {
                if (!defaultDirectories.contains(hit.getParent())) {
                    extraDirectories.add(hit.getParent());
                }
                return hit;
            }
            hit = search(name, defaultDirectories, "default", looked);
            if (hit != null) {
                return hit;
            }
            throw new ElfClosureException("library " + name + " needed by " + chainOf(needer)
                    + " was not found; looked in: " + String.join(", ", looked)
                    + ". Install it on the host or set an RPATH/RUNPATH on the binary");
        }

        private Path search(String name, List<Path> directories, String source, List<String> looked) {
            for (Path directory : directories) {
                Path candidate = directory.resolve(name);
                looked.add(candidate + " (" + source + ")");
                if (isLoadable(candidate, looked)) {
                    return candidate;
                }
            }
            return null;
        }

        /** The loader skips files that exist but are not for this machine (a 32-bit libc in /usr/lib). */
        private boolean isLoadable(Path candidate, List<String> looked) {
            if (!Files.isRegularFile(candidate)) {
                return false;
            }
            try {
                ElfFile.read(candidate);
                return true;
            } catch (ElfClosureException e) {
                looked.add("skipped: " + e.getMessage());
                return false;
            }
        }

        /** Splits a DT_RPATH/DT_RUNPATH value and expands $ORIGIN; other dynamic tokens are not supported. */
        private List<Path> expand(String pathList, Loaded object, List<String> looked) {
            List<Path> directories = new ArrayList<>();
            for (String element : pathList.split(":")) {
                String expanded = element.replace("${ORIGIN}", object.origin().toString())
                        .replace("$ORIGIN", object.origin().toString());
                if (expanded.isEmpty() || expanded.contains("$")) {
                    looked.add("'" + element + "' from " + object.path() + " (skipped: only $ORIGIN is expanded)");
                } else if (!expanded.startsWith("/")) {
                    looked.add("'" + element + "' from " + object.path() + " (skipped: relative to the working directory)");
                } else {
                    directories.add(Path.of(expanded).normalize());
                }
            }
            return directories;
        }

        private String chainOf(Loaded object) {
            StringBuilder chain = new StringBuilder(object.path().toString());
            for (Loaded loader = object.loader(); loader != null; loader = loader.loader()) {
                chain.append(" (loaded by ").append(loader.path()).append(')');
            }
            return chain.toString();
        }

        Closure finish() {
            return new Closure(new ArrayList<>(files), new ArrayList<>(extraDirectories));
        }
    }
}
