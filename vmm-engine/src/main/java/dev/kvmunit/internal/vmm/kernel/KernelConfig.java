package dev.kvmunit.internal.vmm.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel's build configuration (the .config Kconfig writes, which Debian installs as
 * {@code boot/config-REL}), so a test that needs a feature can say which option is missing
 * instead of failing mysteriously inside the guest.
 *
 * <p>Option names may be given with or without the {@code CONFIG_} prefix.
 */
public final class KernelConfig {
    private static final Pattern ASSIGNMENT = Pattern.compile("(CONFIG_[A-Za-z0-9_]+)=(.*)");
    private static final Pattern NOT_SET = Pattern.compile("# (CONFIG_[A-Za-z0-9_]+) is not set");

    private final String kernel;
    private final String source;
    /** Set options to their raw value (y, m, a number, or a string with its quotes removed). */
    private final Map<String, String> values;

    private KernelConfig(String kernel, String source, Map<String, String> values) {
        this.kernel = kernel;
        this.source = source;
        this.values = Collections.unmodifiableMap(values);
    }

    /** Reads a config file; kernel names the kernel it belongs to, for messages. */
    public static KernelConfig read(String kernel, Path file) {
        try {
            return parse(kernel, file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KernelException("cannot read the config of kernel " + kernel + " from " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Reads {@code boot/config-REL} of a kernel tree, if it has one. */
    public static Optional<KernelConfig> of(KernelTree tree) {
        return Files.isRegularFile(tree.config()) ? Optional.of(read(tree.release(), tree.config())) : Optional.empty();
    }

    /**
     * Parses config text. "is not set" lines and absent options both read as disabled; any
     * other line that is neither blank nor a comment is an error naming the line, since a
     * file that does not parse is probably not a kernel config.
     */
    public static KernelConfig parse(String kernel, String source, List<String> lines) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            Matcher assignment = ASSIGNMENT.matcher(line);
            Matcher notSet = NOT_SET.matcher(line);
            if (assignment.matches()) {
                values.put(assignment.group(1), unquote(assignment.group(2)));
            } else if (notSet.matches()) {
                values.remove(notSet.group(1));
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                throw new KernelException(source + " line " + (i + 1) + " is not a kernel config line: '" + line
                        + "' (expected CONFIG_NAME=value or '# CONFIG_NAME is not set')");
            }
        }
        return new KernelConfig(kernel, source, values);
    }

    private static String unquote(String raw) {
        if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
            return raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return raw;
    }

    /** The full option name, CONFIG_ prefix included. */
    static String key(String option) {
        Objects.requireNonNull(option, "option");
        return option.startsWith("CONFIG_") ? option : "CONFIG_" + option;
    }

    /** The kernel this config belongs to. */
    public String kernel() {
        return kernel;
    }

    public boolean isBuiltin(String option) {
        return "y".equals(values.get(key(option)));
    }

    public boolean isModule(String option) {
        return "m".equals(values.get(key(option)));
    }

    /** Built in or a module. */
    public boolean isEnabled(String option) {
        return isBuiltin(option) || isModule(option);
    }

    /** The option's value (y, m, a number, a string without its quotes); empty when not set. */
    public Optional<String> value(String option) {
        return Optional.ofNullable(values.get(key(option)));
    }

    /**
     * Demands that each option is enabled (built in or module).
     *
     * @throws MissingKernelOptionException naming every missing option, the kernel and the fix
     */
    public void require(String... options) {
        List<String> missing = new ArrayList<>();
        for (String option : options) {
            if (!isEnabled(option)) {
                missing.add(key(option));
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingKernelOptionException(kernel, missing, "kernel " + kernel + " lacks "
                    + String.join(", ", missing) + " (per " + source + "): use a kernel built with "
                    + (missing.size() == 1 ? "it" : "them")
                    + " (set @VmTest's kernel, -Dkvmunit.kernel or KVMUNIT_KERNEL)");
        }
    }
}
