package dev.weft.datapath.sleeve;

import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.IpAddress;

/**
 * Configuration of one sleeve backend.
 *
 * @param deviceName   TUN device name (default {@code weft.sleeve}); routes to sleeve peers point at it
 * @param ownPeerId    this node's peer id
 * @param ownVtepAddress this node's VTEP address (IPv4), assigned to the TUN device as a /32
 * @param ownVtepMac   this node's VTEP MAC: the inner source MAC of plain VXLAN frames (the MAC kernel
 *                     VXLAN peers hold in their static neighbour entry for us)
 * @param vni          VXLAN network identifier (must match the kernel VXLAN devices of the cluster)
 * @param plainPort    UDP port of plain VXLAN framing (default 4789). On a node whose kernel VXLAN device
 *                     already owns this port, use another one cluster-wide for the sleeve.
 * @param encryptedPort UDP port of the encrypted sleeve (default 6771)
 * @param queues       TUN queues = sender threads = receive sockets (SO_REUSEPORT)
 * @param offloads     enable TUN checksum/TSO offload with userspace segmentation (fast path)
 * @param underlayMtu  MTU of the underlay; the TUN MTU is this minus the encapsulation overhead
 * @param underlayIpv6 the node's underlay is IPv6: the sockets are IPv6 (peers' underlay addresses are IPv6) and the
 *                     outer header 20 bytes longer; otherwise IPv4
 * @param crypto       encryption identity, or null for the plain (unencrypted) sleeve
 */
public record SleeveConfig(
        String deviceName,
        long ownPeerId,
        IpAddress ownVtepAddress,
        MacAddress ownVtepMac,
        int vni,
        int plainPort,
        int encryptedPort,
        int queues,
        boolean offloads,
        int underlayMtu,
        boolean underlayIpv6,
        SleeveCrypto crypto) {
    public static final String DEFAULT_DEVICE = "weft.sleeve";
    public static final int DEFAULT_PLAIN_PORT = 4789;
    public static final int DEFAULT_ENCRYPTED_PORT = 6771;

    public SleeveConfig {
        if (deviceName == null || deviceName.isEmpty() || deviceName.length() > 15) {
            throw new IllegalArgumentException("sleeve device name must be 1..15 characters, got '" + deviceName + "'");
        }
        if (ownVtepAddress == null || !ownVtepAddress.isIpv4()) {
            throw new IllegalArgumentException("own VTEP address must be IPv4, got " + ownVtepAddress);
        }
        if (ownVtepMac == null) throw new IllegalArgumentException("own VTEP MAC missing");
        if (vni < 0 || vni > 0xffffff) throw new IllegalArgumentException("VNI must be 0..16777215, got " + vni);
        if (plainPort < 1 || plainPort > 65535)
            throw new IllegalArgumentException("plain port must be 1..65535, got " + plainPort);
        if (encryptedPort < 1 || encryptedPort > 65535) {
            throw new IllegalArgumentException("encrypted port must be 1..65535, got " + encryptedPort);
        }
        if (queues < 1 || queues > 16) throw new IllegalArgumentException("queues must be 1..16, got " + queues);
        if (underlayMtu < 576 || underlayMtu > 65535) {
            throw new IllegalArgumentException("underlay MTU must be 576..65535, got " + underlayMtu);
        }
    }

    /** A plain sleeve with defaults: device {@code weft.sleeve}, ports 4789/6771, 1 queue, offloads, MTU 1500. */
    public static SleeveConfig plain(long ownPeerId, IpAddress ownVtepAddress, MacAddress ownVtepMac, int vni) {
        return new SleeveConfig(
                DEFAULT_DEVICE,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                DEFAULT_PLAIN_PORT,
                DEFAULT_ENCRYPTED_PORT,
                1,
                true,
                1500,
                false,
                null);
    }

    public SleeveConfig withDeviceName(String v) {
        return new SleeveConfig(
                v,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                queues,
                offloads,
                underlayMtu,
                underlayIpv6,
                crypto);
    }

    public SleeveConfig withCrypto(SleeveCrypto v) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                queues,
                offloads,
                underlayMtu,
                underlayIpv6,
                v);
    }

    public SleeveConfig withQueues(int v) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                v,
                offloads,
                underlayMtu,
                underlayIpv6,
                crypto);
    }

    public SleeveConfig withOffloads(boolean v) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                queues,
                v,
                underlayMtu,
                underlayIpv6,
                crypto);
    }

    public SleeveConfig withPorts(int plain, int encrypted) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plain,
                encrypted,
                queues,
                offloads,
                underlayMtu,
                underlayIpv6,
                crypto);
    }

    public SleeveConfig withUnderlayMtu(int v) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                queues,
                offloads,
                v,
                underlayIpv6,
                crypto);
    }

    /** The same sleeve over an IPv6 ({@code true}) or IPv4 underlay. */
    public SleeveConfig withUnderlayIpv6(boolean v) {
        return new SleeveConfig(
                deviceName,
                ownPeerId,
                ownVtepAddress,
                ownVtepMac,
                vni,
                plainPort,
                encryptedPort,
                queues,
                offloads,
                underlayMtu,
                v,
                crypto);
    }

    public boolean encrypted() {
        return crypto != null;
    }

    /**
     * The TUN MTU: the underlay MTU minus the outer IP and UDP header ({@link DatapathConfig#outerHeaderBytes}: 28
     * over IPv4, 48 over IPv6) and the sleeve's own framing (VXLAN + inner Ethernet, 22; or the sealed header and
     * tag, 48): 50 / 76 over IPv4, 70 / 96 over IPv6.
     */
    public int tunMtu() {
        int framing = encrypted() ? SealedFrame.OVERHEAD : VxlanFrame.OVERHEAD;
        return underlayMtu - DatapathConfig.outerHeaderBytes(underlayIpv6) - framing;
    }

    /** The UDP port the sleeve listens on and sends to. */
    public int port() {
        return encrypted() ? encryptedPort : plainPort;
    }
}
