package dev.weft.datapath.netlink;

import java.net.InetAddress;
import java.nio.file.Path;

/** What to create with {@link Netlink#createLink}. Optional fields: 0 / null mean "kernel default". */
public sealed interface LinkSpec {
    String name();

    /**
     * A VXLAN device. {@code local}: source address of encapsulated packets (null: kernel chooses);
     * {@code underlayIndex}: the underlay interface (0: any); {@code mtu} 0 = default; {@code mac}
     * null = random.
     */
    record Vxlan(
            String name,
            int vni,
            int port,
            InetAddress local,
            int underlayIndex,
            boolean learning,
            int mtu,
            MacAddress mac)
            implements LinkSpec {
        public Vxlan {
            if (vni < 0 || vni > 0xffffff) {
                throw new IllegalArgumentException("VNI must be 0..16777215, got " + vni);
            }
            if (port < 0 || port > 0xffff) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
        }
    }

    /**
     * A veth pair. The peer end is created directly in the network namespace at
     * {@code peerNetns} (a path such as {@code /run/netns/x} or {@code /proc/PID/ns/net}; null =
     * same namespace), named {@code peerName}, with {@code peerMac} (null = random).
     */
    record Veth(String name, String peerName, int mtu, MacAddress mac, MacAddress peerMac, Path peerNetns)
            implements LinkSpec {}

    /** A Linux bridge. */
    record Bridge(String name, int mtu, MacAddress mac) implements LinkSpec {}
}
