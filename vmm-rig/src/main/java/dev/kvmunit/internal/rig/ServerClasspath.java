package dev.kvmunit.internal.rig;

import com.sun.jna.Native;
import dev.kvmunit.internal.vmm.LocalVmLauncher;
import dev.kvmunit.internal.wire.FrameCodec;
import net.jpountz.lz4.LZ4Factory;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.tukaani.xz.XZ;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;

/**
 * The jars and class directories L1's server runs with, found from the classes it needs rather
 * than from how this JVM was started: Surefire, the Console Launcher, Gradle and IDEs all lay
 * out the classpath differently, but each class knows where it was loaded from.
 */
final class ServerClasspath {
    /** One class from each artifact the server loads in L1: rig, engine, wire, the engine's libraries. */
    private static final List<Class<?>> ANCHORS = List.of(RigServer.class, LocalVmLauncher.class, FrameCodec.class,
            Native.class, LZ4Factory.class, ArchiveEntry.class, XZ.class);

    private ServerClasspath() {
    }

    static List<Path> current() {
        return ANCHORS.stream().map(ServerClasspath::locationOf).distinct().toList();
    }

    static Path locationOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new IllegalStateException(type.getName() + " has no code source, so the rig cannot ship it to L1;"
                    + " load kvmunit from jars or class directories, not from the boot class path");
        }
        try {
            return Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot turn the code source of " + type.getName() + " into a path: "
                    + source.getLocation(), e);
        }
    }
}
