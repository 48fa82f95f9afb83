package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Which module files a kernel needs to load a module: {@code lib/modules/REL/modules.dep}
 * read, or (for trees unpacked from a package, which have none) rebuilt from each module's
 * {@code .modinfo}. Module names match with '-' and '_' alike, as in the kernel.
 */
public final class ModuleIndex {
    private static final String MODULES_DEP = "modules.dep";
    private static final String MODULES_BUILTIN = "modules.builtin";

    /** One loadable module: its path relative to the module directory and what it depends on. */
    private record Module(String path, List<String> dependencies) {
    }

    private final String release;
    private final Path modulesDir;
    /** Normalised name to module, sorted so a written modules.dep is reproducible. */
    private final Map<String, Module> modules;
    private final Set<String> builtin;

    private ModuleIndex(String release, Path modulesDir, Map<String, Module> modules, Set<String> builtin) {
        this.release = release;
        this.modulesDir = modulesDir;
        this.modules = Collections.unmodifiableMap(modules);
        this.builtin = Collections.unmodifiableSet(builtin);
    }

    /** Reads modules.dep, or scans the modules when it is missing. */
    public static ModuleIndex load(String release, Path modulesDir) {
        return Files.isRegularFile(modulesDir.resolve(MODULES_DEP)) ? read(release, modulesDir) : scan(release, modulesDir);
    }

    /** Parses modules.dep: "path: dependency-path ..." per module. */
    static ModuleIndex read(String release, Path modulesDir) {
        Path file = modulesDir.resolve(MODULES_DEP);
        Map<String, Module> modules = new TreeMap<>();
        List<String> lines = readLines(release, file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new KernelException(file + " line " + (i + 1) + " is not 'module-path: dependency-paths': '"
                        + line + "'; regenerate it with depmod " + release);
            }
            String path = line.substring(0, colon).strip();
            List<String> dependencies = new ArrayList<>();
            for (String dep : line.substring(colon + 1).strip().split("\\s+")) {
                if (!dep.isEmpty()) {
                    dependencies.add(ModuleInfo.nameOfFile(fileName(dep)));
                }
            }
            modules.put(ModuleInfo.nameOfFile(fileName(path)), new Module(checkedPath(file, path), dependencies));
        }
        return new ModuleIndex(release, modulesDir, modules, readBuiltin(release, modulesDir));
    }

    /** Rebuilds the index from the modules' own .modinfo sections. */
    static ModuleIndex scan(String release, Path modulesDir) {
        if (!Files.isDirectory(modulesDir)) {
            throw new KernelException("kernel " + release + " has no module directory " + modulesDir);
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(modulesDir)) {
            files = walk.filter(f -> ModuleInfo.isModuleFile(f.getFileName().toString()) && Files.isRegularFile(f))
                    .toList();
        } catch (IOException e) {
            throw new KernelException("cannot list the modules of kernel " + release + " in " + modulesDir + ": "
                    + e.getMessage(), e);
        }
        // Decompressing ~100 MB of modules dominates; the files are independent.
        Map<String, Module> modules = new TreeMap<>();
        files.parallelStream()
                .map(file -> Map.entry(ModuleInfo.read(file), modulesDir.relativize(file).toString()))
                .toList()
                .forEach(e -> modules.put(e.getKey().name(), new Module(e.getValue(), e.getKey().depends())));
        return new ModuleIndex(release, modulesDir, modules, readBuiltin(release, modulesDir));
    }

    private static Set<String> readBuiltin(String release, Path modulesDir) {
        Path file = modulesDir.resolve(MODULES_BUILTIN);
        Set<String> names = new HashSet<>();
        if (Files.isRegularFile(file)) {
            for (String line : readLines(release, file)) {
                if (!line.isBlank()) {
                    names.add(ModuleInfo.nameOfFile(fileName(line.strip())));
                }
            }
        }
        return names;
    }

    private static List<String> readLines(String release, Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KernelException("cannot read " + file + " of kernel " + release + ": " + e.getMessage(), e);
        }
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** modules.dep paths are relative to the module directory and must stay inside it. */
    private static String checkedPath(Path file, String path) {
        if (path.startsWith("/") || List.of(path.split("/")).contains("..")) {
            throw new KernelException(file + " names a module outside its directory: " + path);
        }
        return path;
    }

    public String release() {
        return release;
    }

    public Path modulesDir() {
        return modulesDir;
    }

    /** Whether the module is compiled into the kernel (listed in modules.builtin). */
    public boolean isBuiltin(String module) {
        return builtin.contains(ModuleInfo.normalize(module));
    }

    /** Whether the module exists as a loadable file. */
    public boolean hasModule(String module) {
        return modules.containsKey(ModuleInfo.normalize(module));
    }

    /**
     * The module files to load, in load order (dependencies first, the module itself last).
     * Empty when the module is built in: there is nothing to load.
     *
     * @throws KernelException naming the module and the kernel when it is neither a module nor
     *                         built in, or a dependency is missing
     */
    public List<Path> filesFor(String module) {
        return loadOrder(List.of(module));
    }

    /** Like {@link #filesFor}, for several modules at once, each file once. */
    public List<Path> loadOrder(List<String> wanted) {
        Set<String> order = new LinkedHashSet<>();
        for (String module : wanted) {
            String name = ModuleInfo.normalize(module);
            if (!modules.containsKey(name) && !builtin.contains(name)) {
                throw new KernelException("kernel " + release + " has no module " + module + " (neither a file under "
                        + modulesDir + " nor in modules.builtin): use a kernel built with it, or drop it from the test");
            }
            visit(name, order, new LinkedHashSet<>(), module);
        }
        return order.stream().map(name -> modulesDir.resolve(modules.get(name).path())).toList();
    }

    /** Depth-first, dependencies before dependents; tolerates modules.dep lists that are already transitive. */
    private void visit(String name, Set<String> order, Set<String> inProgress, String requested) {
        if (order.contains(name) || builtin.contains(name) && !modules.containsKey(name)) {
            return;
        }
        Module module = modules.get(name);
        if (module == null) {
            throw new KernelException("kernel " + release + ": " + requested + " needs module " + name
                    + ", which is neither under " + modulesDir + " nor built in; the module tree is incomplete");
        }
        if (!inProgress.add(name)) {
            throw new KernelException("kernel " + release + ": modules depend on each other in a cycle: "
                    + String.join(" -> ", inProgress) + " -> " + name);
        }
        for (String dependency : module.dependencies()) {
            visit(dependency, order, inProgress, requested);
        }
        inProgress.remove(name);
        order.add(name);
    }

    /**
     * Writes modules.dep in depmod's format (each module with all its dependencies, the one
     * to load last first), so the next {@link #load} is a quick read and modprobe-like tools
     * in a guest understand it too. Written to a temporary file and renamed.
     */
    public void writeModulesDep() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Module> entry : modules.entrySet()) {
            Module module = entry.getValue();
            List<Path> files = filesFor(entry.getKey());
            List<String> dependencies = new ArrayList<>();
            for (Path file : files.subList(0, files.size() - 1)) {
                dependencies.add(0, modulesDir.relativize(file).toString());
            }
            text.append(module.path()).append(':');
            dependencies.forEach(d -> text.append(' ').append(d));
            text.append('\n');
        }
        Path target = modulesDir.resolve(MODULES_DEP);
        try {
            Path temp = Files.createTempFile(modulesDir, MODULES_DEP, ".tmp");
            try {
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new KernelException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Number of loadable modules. */
    public int size() {
        return modules.size();
    }

    @Override
    public String toString() {
        return "modules of " + release + " (" + modules.size() + " in " + modulesDir + ")";
    }
}
