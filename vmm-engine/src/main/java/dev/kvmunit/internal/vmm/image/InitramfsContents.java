package dev.kvmunit.internal.vmm.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The file tree that goes into one initramfs archive. Entries are kept sorted by path, so the same
 * set of entries always produces the same archive bytes and the same cache key no matter in which
 * order callers added them; a parent always sorts before its children, so the kernel never meets a
 * file before its directory. Missing parent directories are created (mode 0755) and can later be
 * replaced by an explicit directory with another mode.
 */
public final class InitramfsContents {
    private static final int IMPLICIT_DIRECTORY_MODE = 0755;

    private final TreeMap<String, ImageEntry> entries = new TreeMap<>();
    private final Set<String> implicitDirectories = new HashSet<>();

    public InitramfsContents directory(String path, int mode) {
        return add(new ImageEntry.Directory(path, mode));
    }

    public InitramfsContents file(String path, int mode, byte[] content) {
        return add(new ImageEntry.RegularFile(path, mode, FileContent.of(content)));
    }

    public InitramfsContents file(String path, int mode, Path hostFile) {
        return add(new ImageEntry.RegularFile(path, mode, FileContent.of(hostFile)));
    }

    public InitramfsContents symlink(String path, String target) {
        return add(new ImageEntry.Symlink(path, target));
    }

    public InitramfsContents charDevice(String path, int mode, int major, int minor) {
        return add(new ImageEntry.CharDevice(path, mode, major, minor));
    }

    /**
     * Adds one entry. Adding an equal entry twice is harmless (two binaries may share a library);
     * two different entries for one path are a conflict and fail with both named.
     */
    public InitramfsContents add(ImageEntry entry) {
        String path = entry.path();
        ImageEntry existing = entries.get(path);
        if (existing != null) {
            boolean replacesImplicit = implicitDirectories.contains(path) && entry instanceof ImageEntry.Directory;
            if (replacesImplicit) {
                implicitDirectories.remove(path);
                entries.put(path, entry);
            } else if (!existing.equals(entry)) {
                throw new IllegalArgumentException("/" + path + " is added twice with different content: " + existing
                        + " and " + entry + "; each guest path can hold only one entry");
            }
            return this;
        }
        ensureParentDirectories(path);
        entries.put(path, entry);
        return this;
    }

    /** Adds every entry of {@code other} (as {@link #add} would, one by one). */
    public InitramfsContents addAll(InitramfsContents other) {
        for (ImageEntry entry : other.entries()) {
            if (!other.implicitDirectories.contains(entry.path())) {
                add(entry);
            }
        }
        return this;
    }

    /** All entries, parents before children, in a stable order. */
    public List<ImageEntry> entries() {
        return new ArrayList<>(entries.values());
    }

    private void ensureParentDirectories(String path) {
        String parent = GuestPath.parent(path);
        if (parent == null) {
            return;
        }
        ImageEntry existing = entries.get(parent);
        if (existing == null) {
            ensureParentDirectories(parent);
            entries.put(parent, new ImageEntry.Directory(parent, IMPLICIT_DIRECTORY_MODE));
            implicitDirectories.add(parent);
        } else if (!(existing instanceof ImageEntry.Directory)) {
            throw new IllegalArgumentException("cannot add /" + path + ": its parent /" + parent + " is " + existing
                    + ", not a directory; add the file under the link's target instead");
        }
    }
}
