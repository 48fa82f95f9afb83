package dev.kvmunit.internal.kbuild;

import java.util.List;
import java.util.Objects;

/**
 * The cache key of a kernel build: SHA-256 over everything that decides what it produces, one
 * line each: kvmunit's build recipe version ({@link #RECIPE}: the configure steps and make
 * invocations, bumped when they change), the source's identity ({@link KernelSource#identity()}),
 * the SHA-256 of every fragment's bytes in order, and the first lines of {@code gcc --version}
 * and {@code clang-19 --version}. The cache directory is named by the first 16 hex digits.
 *
 * @param source    the source's identity
 * @param fragments SHA-256 of each fragment, in the order they are applied
 * @param toolchain the compilers
 */
public record BuildKey(String source, List<String> fragments, Toolchain toolchain) {
    /** Bump when the build steps change what a build produces. */
    static final int RECIPE = 1;
    static final int NAME_LENGTH = 16;

    public BuildKey {
        Objects.requireNonNull(source, "source");
        fragments = List.copyOf(fragments);
        Objects.requireNonNull(toolchain, "toolchain");
    }

    static BuildKey of(KernelSource source, List<Fragment> fragments, Toolchain toolchain) {
        return new BuildKey(source.identity(), fragments.stream().map(Fragment::sha256).toList(), toolchain);
    }

    /** What is hashed, also written into the build's directory for people. */
    public String text() {
        StringBuilder text = new StringBuilder("recipe ").append(RECIPE).append('\n')
                .append("source ").append(source).append('\n');
        fragments.forEach(f -> text.append("fragment ").append(f).append('\n'));
        return text.append("gcc ").append(toolchain.gcc()).append('\n')
                .append("clang ").append(toolchain.clang()).append('\n')
                .toString();
    }

    /** The cache directory's name: 16 hex digits of the SHA-256 of {@link #text()}. */
    public String name() {
        return Sha256.hex(text()).substring(0, NAME_LENGTH);
    }

    @Override
    public String toString() {
        return name();
    }
}
