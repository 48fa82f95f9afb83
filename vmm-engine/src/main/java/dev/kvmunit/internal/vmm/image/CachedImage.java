package dev.kvmunit.internal.vmm.image;

import java.nio.file.Path;

/**
 * A verified initramfs base in the cache.
 *
 * @param key   content key (hex SHA-256, see {@link ImageCache})
 * @param path  the compressed archive, zero-padded to a multiple of 4 KiB so it can be mapped and
 *              followed by an overlay at a page boundary; the kernel skips the zeros between archives
 * @param size  length of {@code path} in bytes
 * @param built true if this call built it, false if it was already cached
 */
public record CachedImage(String key, Path path, long size, boolean built) {
}
