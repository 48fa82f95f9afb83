package dev.kvmunit.internal.vmm.image;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One entry as {@link ImageCache#list()} reports it.
 *
 * @param key     content key
 * @param kind    what it is, e.g. {@value ImageCache#BASE_KIND}
 * @param size    bytes on disk
 * @param created when it was built
 * @param path    the cached file
 */
public record CacheEntry(String key, String kind, long size, Instant created, Path path) {
}
