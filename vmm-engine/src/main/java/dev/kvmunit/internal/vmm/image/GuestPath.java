package dev.kvmunit.internal.vmm.image;

/**
 * Normal form of paths inside the guest image: absolute paths written without the leading slash,
 * no empty, "." or ".." components. One spelling per file keeps archives and cache keys stable and
 * makes sure no entry escapes the root when the kernel unpacks it.
 */
public final class GuestPath {
    private GuestPath() {
    }

    /** Accepts {@code /usr/bin/env}, {@code usr/bin/env} or {@code /usr//bin/env/}; returns {@code usr/bin/env}. */
    public static String normalise(String path) {
        if (path == null || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("guest path must be non-null and contain no NUL: '" + path + "'");
        }
        StringBuilder normal = new StringBuilder(path.length());
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("guest path '" + path + "' must not contain '.' or '..' components;"
                        + " write it as an absolute path such as /usr/lib/x");
            }
            if (normal.length() > 0) {
                normal.append('/');
            }
            normal.append(part);
        }
        if (normal.length() == 0) {
            throw new IllegalArgumentException("guest path '" + path + "' names the root; the root directory always exists");
        }
        return normal.toString();
    }

    /** The parent of a normalised path, or null for a top-level name. */
    static String parent(String normalised) {
        int slash = normalised.lastIndexOf('/');
        return slash < 0 ? null : normalised.substring(0, slash);
    }
}
