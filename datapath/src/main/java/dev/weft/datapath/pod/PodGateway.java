package dev.weft.datapath.pod;

import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The link-local next hop a pod uses for one address family (DESIGN §5, §13): {@code 169.254.1.1} for IPv4 and
 * {@code fe80::1} for IPv6, each reached through a permanent neighbour entry (gateway → host veth MAC) written into
 * the pod, so the pod never resolves it (no ARP, no neighbour discovery, no proxy). A pod address gets a host prefix
 * ({@code /32} or {@code /128}).
 *
 * @param family {@link Rtnl#AF_INET} or {@link Rtnl#AF_INET6}
 * @param address the gateway
 * @param hostPrefix 32 or 128
 */
public record PodGateway(int family, InetAddress address, int hostPrefix) {
    public static final String V4_TEXT = "169.254.1.1";
    public static final String V6_TEXT = "fe80::1";

    public static final PodGateway V4 = new PodGateway(Rtnl.AF_INET, literal(V4_TEXT), 32);
    public static final PodGateway V6 = new PodGateway(Rtnl.AF_INET6, literal(V6_TEXT), 128);

    /** The gateway of {@code a}'s family. */
    public static PodGateway of(IpAddress a) {
        return a.isIpv4() ? V4 : V6;
    }

    public boolean ipv6() {
        return family == Rtnl.AF_INET6;
    }

    /** The gateway as text ({@code 169.254.1.1}, {@code fe80::1}). */
    public String text() {
        return ipv6() ? V6_TEXT : V4_TEXT;
    }

    /** The family's default route in CNI text ({@code 0.0.0.0/0}, {@code ::/0}). */
    public String defaultDestination() {
        return ipv6() ? "::/0" : "0.0.0.0/0";
    }

    private static InetAddress literal(String s) {
        try {
            return InetAddress.getByName(s); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
