package dev.kvmunit.internal.cli;

/** The command line is wrong; the message says what and how to write it. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
