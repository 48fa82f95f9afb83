package dev.kvmunit.internal.agent;

/** Errors as the guest init sends them, for stand-ins of the agent in other packages' tests. */
public final class GuestErrors {
    private static final int ENOENT = 2;

    private GuestErrors() {
    }

    /** What READ_FILE of a missing file gets. */
    public static GuestException noSuchFile(String path) {
        return new GuestException(ErrorCode.IO.code(), ENOENT, "IO (errno 2): open " + path
                + ": No such file or directory");
    }
}
