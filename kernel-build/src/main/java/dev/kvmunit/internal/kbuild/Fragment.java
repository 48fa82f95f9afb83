package dev.kvmunit.internal.kbuild;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kconfig fragment: lines {@code CONFIG_X=y|m|n|"string"|number} and {@code # CONFIG_X is not
 * set}, blank lines and other comments, as {@code scripts/kconfig/merge_config.sh} takes them.
 * Anything else is refused with its file and line, since merge_config would pass it on
 * silently. kvmunit's own fragment is {@link #builtin()}, a resource with a one-line reason
 * above each option.
 */
public final class Fragment {
    /** The resource kvmunit's guest kernel is configured with. */
    static final String BUILTIN_RESOURCE = "kvmunit.config";

    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(CONFIG_[A-Za-z0-9_]+)=(y|m|n|\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9]+|0[xX][0-9a-fA-F]+)");
    private static final Pattern NOT_SET = Pattern.compile("# (CONFIG_[A-Za-z0-9_]+) is not set");

    /**
     * One option as the fragment sets it.
     *
     * @param name  with the CONFIG_ prefix
     * @param value y, m, n (also for "is not set"), a number, or a string with its quotes
     * @param line  1-based line in the fragment, for messages
     */
    public record Option(String name, String value, int line) {
        public Option {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        /** How the option reads in a .config. */
        String asConfigLine() {
            return value.equals("n") ? "# " + name + " is not set" : name + "=" + value;
        }

        /** Without the CONFIG_ prefix, as Kconfig files name the symbol. */
        String symbol() {
            return name.substring("CONFIG_".length());
        }
    }

    private final String source;
    private final byte[] bytes;
    private final List<Option> options;

    private Fragment(String source, byte[] bytes, List<Option> options) {
        this.source = source;
        this.bytes = bytes;
        this.options = List.copyOf(options);
    }

    /** kvmunit's fragment for its guest kernel. */
    public static Fragment builtin() {
        try (InputStream in = Fragment.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BUILTIN_RESOURCE + " is missing from the kernel-build jar");
            }
            return parse("kvmunit's " + BUILTIN_RESOURCE, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + BUILTIN_RESOURCE, e);
        }
    }

    /** Reads a fragment file given by a user. */
    public static Fragment read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new KernelBuildException("fragment " + file + " does not exist or is not a file");
        }
        try {
            return parse(file.toAbsolutePath().normalize().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new KernelBuildException("cannot read fragment " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param source names the fragment in messages (its path)
     * @throws KernelBuildException for a line that is no option, blank or comment, and for an
     *                              option set twice, naming the line(s)
     */
    public static Fragment parse(String source, byte[] bytes) {
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        List<Option> options = new ArrayList<>();
        Map<String, Option> byName = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Option option = parseLine(source, lines.get(i).strip(), i + 1);
            if (option == null) {
                continue;
            }
            Option earlier = byName.put(option.name(), option);
            if (earlier != null) {
                throw new KernelBuildException("fragment " + source + " sets " + option.name() + " twice, on line "
                        + earlier.line() + " and line " + option.line() + ": keep one");
            }
            options.add(option);
        }
        return new Fragment(source, bytes.clone(), options);
    }

    /** The option on a line, or null for a blank line or a comment. */
    private static Option parseLine(String source, String line, int number) {
        Matcher assignment = ASSIGNMENT.matcher(line);
        if (assignment.matches()) {
            return new Option(assignment.group(1), assignment.group(2), number);
        }
        Matcher notSet = NOT_SET.matcher(line);
        if (notSet.matches()) {
            return new Option(notSet.group(1), "n", number);
        }
        if (line.isEmpty() || line.startsWith("#") && !line.matches("#\\s*CONFIG_.*")) {
            return null;
        }
        throw new KernelBuildException("fragment " + source + " line " + number + " is not a kconfig line: '" + line
                + "'; expected CONFIG_NAME=y|m|n|\"string\"|number, '# CONFIG_NAME is not set', a comment or a blank"
                + " line");
    }

    /** The fragment's path, or how kvmunit's own is named. */
    public String source() {
        return source;
    }

    /** In file order. */
    public List<Option> options() {
        return options;
    }

    /** SHA-256 of the file's bytes, in hex: comments count, so editing a reason rebuilds. */
    public String sha256() {
        return Sha256.hex(bytes);
    }

    /** The file's bytes, for merge_config.sh. */
    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return source;
    }
}
