package dev.kvmunit.internal.junit;

import dev.kvmunit.internal.rig.VmLaunchers;
import dev.kvmunit.internal.vmm.image.ImageCache;
import dev.kvmunit.internal.vmm.launch.VmLauncher;

/**
 * What all VM tests of one JUnit run share: the launcher (with the nested rig, one L1 serves
 * the whole run) and the image cache. Lives in the root context's store, which closes it when
 * the run ends.
 */
final class SharedLauncher implements AutoCloseable {
    private final VmLauncher launcher;
    private final GuestImages images;

    SharedLauncher() {
        this.launcher = VmLaunchers.forThisHost();
        this.images = new GuestImages(new ImageCache(ImageCache.defaultRoot()));
    }

    VmLauncher launcher() {
        return launcher;
    }

    GuestImages images() {
        return images;
    }

    @Override
    public void close() {
        launcher.close();
    }
}
