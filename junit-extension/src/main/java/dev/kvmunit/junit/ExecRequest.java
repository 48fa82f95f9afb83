package dev.kvmunit.junit;


import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command for the guest to run (PROTOCOL.md, "EXEC"). Build with {@link #of} and the
 * {@code with...} methods; instances are immutable.
 *
 * @param argv    the command and its arguments; the command is looked up on the guest's PATH
 * @param env     variables added to (or replacing) the agent's environment
 * @param cwd     working directory; empty for the agent's own (/ in a guest)
 * @param stdin   bytes fed to the command's standard input, which is then closed
 * @param timeout after this the command's process group is killed; {@link Duration#ZERO} for none
 */
public record ExecRequest(List<String> argv, Map<String, String> env, String cwd, byte[] stdin, Duration timeout) {

    /** Largest timeout the wire format carries (u32 milliseconds). */
    public static final Duration MAX_TIMEOUT = Duration.ofMillis(0xFFFF_FFFFL);

    public ExecRequest {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("EXEC needs a command: argv must start with a non-empty element, got "
                    + argv);
        }
        argv.forEach(arg -> requireNoNul(arg, "argument"));
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        env.forEach((name, value) -> {
            if (name.isEmpty() || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException("environment variable name '" + name
                        + "' must be non-empty and contain no '='");
            }
            requireNoNul(name, "environment variable name");
            requireNoNul(value, "value of environment variable " + name);
        });
        requireNoNul(cwd, "working directory");
        stdin = stdin.clone();
        if (timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("EXEC timeout must be between 0 (none) and " + MAX_TIMEOUT + ", got "
                    + timeout);
        }
    }

    public static ExecRequest of(String... argv) {
        return new ExecRequest(List.of(argv), Map.of(), "", new byte[0], Duration.ZERO);
    }

    public ExecRequest withEnv(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(name, value);
        return new ExecRequest(argv, more, cwd, stdin, timeout);
    }

    public ExecRequest withCwd(String directory) {
        return new ExecRequest(argv, env, directory, stdin, timeout);
    }

    public ExecRequest withStdin(byte[] bytes) {
        return new ExecRequest(argv, env, cwd, bytes, timeout);
    }

    public ExecRequest withStdin(String text) {
        return withStdin(text.getBytes(StandardCharsets.UTF_8));
    }

    public ExecRequest withTimeout(Duration limit) {
        return new ExecRequest(argv, env, cwd, stdin, limit);
    }

    /** A copy of the stdin bytes. */
    @Override
    public byte[] stdin() {
        return stdin.clone();
    }


    private static void requireNoNul(String value, String what) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + value.replace('\0', '?')
                    + "' contains a NUL character, which a command line cannot carry");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ExecRequest r && r.argv.equals(argv) && r.env.equals(env) && r.cwd.equals(cwd)
                && Arrays.equals(r.stdin, stdin) && r.timeout.equals(timeout);
    }

    @Override
    public int hashCode() {
        return ((argv.hashCode() * 31 + env.hashCode()) * 31 + cwd.hashCode()) * 31 + Arrays.hashCode(stdin)
                + timeout.hashCode();
    }

    @Override
    public String toString() {
        return "ExecRequest" + argv + (env.isEmpty() ? "" : " env=" + env) + (cwd.isEmpty() ? "" : " cwd=" + cwd)
                + (stdin.length == 0 ? "" : " stdin=" + stdin.length + " bytes")
                + (timeout.isZero() ? "" : " timeout=" + timeout);
    }
}
