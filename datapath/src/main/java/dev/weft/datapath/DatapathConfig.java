package dev.weft.datapath;

/**
 * Datapath settings (immutable, validated). Defaults: device {@code weft.vxlan}, VNI 1, UDP port
 * 4789, MTU derived from the underlay (0 = underlay MTU − 50 for an IPv4 underlay, − 70 for IPv6),
 * routes in the main table marked with rtnetlink protocol {@value #DEFAULT_ROUTE_PROTOCOL}
 * ("W"), direct routing (host-gw for same-L2 peers) off.
 *
 * @param vxlanDevice   name of the VXLAN device (≤ 15 bytes)
 * @param vni           VXLAN network identifier, 0..16777215
 * @param port          VXLAN UDP destination port
 * @param mtu           device MTU; 0 derives it from the underlay
 * @param routeProtocol rtnetlink protocol number marking Weft's routes (ownership); not 0-4 (kernel/boot/static)
 * @param routeTable    routing table for Weft's routes
 * @param directRouting use plain routes via the underlay for peers on the same L2 segment
 * @param sleeveDevice  the sleeve's TUN device, or null when the sleeve is not running: peers whose only usable
 *                      datapath is {@link DatapathMode#SLEEVE} then get no routes
 */
public record DatapathConfig(
        String vxlanDevice,
        int vni,
        int port,
        int mtu,
        int routeProtocol,
        int routeTable,
        boolean directRouting,
        String sleeveDevice) {
    public static final String DEFAULT_DEVICE = "weft.vxlan";
    public static final int DEFAULT_VNI = 1;
    public static final int DEFAULT_PORT = 4789;
    public static final int DEFAULT_ROUTE_PROTOCOL = 87;
    public static final int MAIN_TABLE = 254;
    /**
     * The outer IP (20 bytes over an IPv4 underlay, 40 over IPv6) and UDP (8) header that every encapsulation
     * (kernel VXLAN, plain or encrypted sleeve) adds on the underlay.
     */
    public static int outerHeaderBytes(boolean ipv6Underlay) {
        return (ipv6Underlay ? 40 : 20) + 8;
    }

    /** Outer header + VXLAN (8) + inner Ethernet (14): 50 bytes over an IPv4 underlay, 70 over IPv6. */
    public static int vxlanOverhead(boolean ipv6Underlay) {
        return outerHeaderBytes(ipv6Underlay) + 8 + 14;
    }

    public DatapathConfig {
        if (vxlanDevice == null
                || vxlanDevice.isEmpty()
                || vxlanDevice.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 15
                || vxlanDevice.contains("/")
                || vxlanDevice.contains(" ")) {
            throw new IllegalArgumentException(
                    "vxlan device name must be 1-15 bytes without '/' or spaces: '" + vxlanDevice + "'");
        }
        if (vni < 0 || vni > 0xffffff) {
            throw new IllegalArgumentException("VNI must be 0..16777215, got " + vni);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("VXLAN port must be 1..65535, got " + port);
        }
        if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
            throw new IllegalArgumentException("MTU must be 0 (derive from underlay) or 576..65535, got " + mtu);
        }
        if (routeProtocol < 5 || routeProtocol > 255) {
            throw new IllegalArgumentException(
                    "route protocol must be 5..255 (0-4 belong to the kernel), got " + routeProtocol);
        }
        if (routeTable < 1 || routeTable == 255 || routeTable > 0x7fffffff) {
            throw new IllegalArgumentException(
                    "route table must be a positive id other than 255 (local), got " + routeTable);
        }
    }

    public static DatapathConfig defaults() {
        return new DatapathConfig(
                DEFAULT_DEVICE, DEFAULT_VNI, DEFAULT_PORT, 0, DEFAULT_ROUTE_PROTOCOL, MAIN_TABLE, false, null);
    }

    public DatapathConfig withVni(int value) {
        return new DatapathConfig(
                vxlanDevice, value, port, mtu, routeProtocol, routeTable, directRouting, sleeveDevice);
    }

    public DatapathConfig withPort(int value) {
        return new DatapathConfig(vxlanDevice, vni, value, mtu, routeProtocol, routeTable, directRouting, sleeveDevice);
    }

    public DatapathConfig withMtu(int value) {
        return new DatapathConfig(
                vxlanDevice, vni, port, value, routeProtocol, routeTable, directRouting, sleeveDevice);
    }

    public DatapathConfig withDevice(String value) {
        return new DatapathConfig(value, vni, port, mtu, routeProtocol, routeTable, directRouting, sleeveDevice);
    }

    public DatapathConfig withDirectRouting(boolean value) {
        return new DatapathConfig(vxlanDevice, vni, port, mtu, routeProtocol, routeTable, value, sleeveDevice);
    }

    public DatapathConfig withRouteProtocol(int value) {
        return new DatapathConfig(vxlanDevice, vni, port, mtu, value, routeTable, directRouting, sleeveDevice);
    }

    public DatapathConfig withRouteTable(int value) {
        return new DatapathConfig(vxlanDevice, vni, port, mtu, routeProtocol, value, directRouting, sleeveDevice);
    }

    public DatapathConfig withSleeveDevice(String value) {
        return new DatapathConfig(vxlanDevice, vni, port, mtu, routeProtocol, routeTable, directRouting, value);
    }
}
