package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The option names a kernel tree defines: every {@code config NAME} and {@code menuconfig NAME}
 * in its {@code Kconfig*} files. An option a fragment sets that is not among them would vanish
 * in olddefconfig without a word, so it is refused before anything runs.
 */
final class KconfigSymbols {
    private static final Pattern DEFINITION = Pattern.compile("^\\s*(?:menu)?config\\s+([A-Za-z0-9_]+)\\s*$");
    /** Top-level directories no Kconfig file sources, and large (Documentation and samples are sourced). */
    private static final Set<String> SKIPPED = Set.of(".git", "tools");

    private final Set<String> symbols;

    private KconfigSymbols(Set<String> symbols) {
        this.symbols = Set.copyOf(symbols);
    }

    /** Reads every Kconfig file below a kernel source tree. */
    static KconfigSymbols scan(Path tree) {
        Set<String> symbols = new HashSet<>();
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.getParent() != null && dir.getParent().equals(tree)
                            && SKIPPED.contains(dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && file.getFileName().toString().startsWith("Kconfig")) {
                        addDefinitions(file, symbols);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new KernelBuildException("cannot read the Kconfig files of " + tree + ": " + e.getMessage(), e);
        }
        return new KconfigSymbols(symbols);
    }

    private static void addDefinitions(Path file, Set<String> symbols) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            lines.forEach(line -> {
                Matcher m = DEFINITION.matcher(line);
                if (m.matches()) {
                    symbols.add(m.group(1));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    boolean defines(String symbol) {
        return symbols.contains(symbol);
    }

    /**
     * @throws KernelBuildException naming every option of the fragments the tree does not define,
     *                              with its fragment and line
     */
    void requireKnown(List<Fragment> fragments, String tree) {
        List<String> unknown = new ArrayList<>();
        for (Fragment fragment : fragments) {
            for (Fragment.Option option : fragment.options()) {
                if (!defines(option.symbol())) {
                    unknown.add(option.name() + " (" + fragment.source() + " line " + option.line() + ")");
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new KernelBuildException("the kernel tree " + tree + " knows no option " + String.join(", ", unknown)
                    + ": no Kconfig file defines " + (unknown.size() == 1 ? "it" : "them")
                    + ". Check the spelling, or whether this kernel version has the feature");
        }
    }
}
