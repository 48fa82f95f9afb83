package dev.kvmunit.junit;

/** Which of a command's output streams a chunk or line came from. */
public enum OutputStreamKind {
    STDOUT,
    STDERR
}
