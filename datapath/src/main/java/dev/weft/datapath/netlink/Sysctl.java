package dev.weft.datapath.netlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes sysctls through {@code /proc/sys} for the calling thread's network namespace
 * (inside another namespace use {@link NetlinkNamespace#writeSysctl}). Keys use '/' separators
 * because interface names may contain dots: {@code net/ipv4/conf/weft.vxlan/forwarding}.
 */
public final class Sysctl {
    /**
     * Where sysctls are written: {@code /proc/sys}, or {@code $WEFT_SYSCTL_ROOT} when the agent runs in a container
     * whose own {@code /proc/sys} is read-only and the host's {@code /proc/sys/net} is mounted elsewhere (the
     * DaemonSet mounts it at {@code /host/proc/sys}).
     */
    private static final Path ROOT = Path.of(System.getenv().getOrDefault("WEFT_SYSCTL_ROOT", "/proc/sys"));

    private Sysctl() {}

    static Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..")) {
            throw new IllegalArgumentException("bad sysctl key '" + key + "' (expected e.g. net/ipv4/ip_forward)");
        }
        return ROOT.resolve(key);
    }

    public static void write(String key, String value) {
        try {
            Files.writeString(path(key), value + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sysctl " + key + "=" + value + ": " + e.getMessage(), e);
        }
    }

    public static String read(String key) {
        try {
            return Files.readString(path(key), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sysctl " + key + ": " + e.getMessage(), e);
        }
    }
}
