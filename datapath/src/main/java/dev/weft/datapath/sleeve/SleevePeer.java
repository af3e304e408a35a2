package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;

/**
 * A remote node reached over the sleeve, as the agent knows it from the peer's gossiped node record.
 *
 * @param peerId        the peer's 64-bit id (bound into the encryption keys)
 * @param underlay      the peer's underlay (node) address packets are sent to, IPv4 or IPv6 (the family of the
 *                      sleeve's own underlay, {@link SleeveConfig#underlayIpv6})
 * @param vtepAddress   the peer's VTEP address (routed to the sleeve as a /32)
 * @param vtepMac       the peer's VTEP MAC: the inner Ethernet destination of plain VXLAN frames, which a
 *                      kernel VXLAN peer requires to accept them
 * @param cidrs         the peer's pod ranges of both families, routed to the sleeve device; inner packets go to
 *                      the peer whose range holds their destination, and the encrypted sleeve accepts packets
 *                      from it only with a source in its ranges or VTEP addresses
 * @param publicKey     the peer's 32-byte X25519 sleeve public key; null when the cluster has no secret
 * @param vtepAddressV6 the IPv6 VTEP (gateway) address of a dual-stack peer (routed to the sleeve as a /128, an
 *                      accepted inner source); null for a single-stack peer
 */
public record SleevePeer(
        long peerId,
        IpAddress underlay,
        IpAddress vtepAddress,
        MacAddress vtepMac,
        List<Cidr> cidrs,
        byte[] publicKey,
        IpAddress vtepAddressV6) {
    /** A peer without an IPv6 VTEP address. */
    public SleevePeer(
            long peerId,
            IpAddress underlay,
            IpAddress vtepAddress,
            MacAddress vtepMac,
            List<Cidr> cidrs,
            byte[] publicKey) {
        this(peerId, underlay, vtepAddress, vtepMac, cidrs, publicKey, null);
    }

    public SleevePeer {
        if (underlay == null) {
            throw new IllegalArgumentException("peer " + Long.toHexString(peerId) + ": underlay address missing");
        }
        if (vtepAddress == null || !vtepAddress.isIpv4()) {
            throw new IllegalArgumentException(
                    "peer " + Long.toHexString(peerId) + ": VTEP address must be IPv4, got " + vtepAddress);
        }
        if (vtepMac == null) {
            throw new IllegalArgumentException("peer " + Long.toHexString(peerId) + ": VTEP MAC missing");
        }
        if (vtepAddressV6 != null && vtepAddressV6.isIpv4()) {
            throw new IllegalArgumentException(
                    "peer " + Long.toHexString(peerId) + ": IPv6 VTEP address must be IPv6, got " + vtepAddressV6);
        }
        cidrs = List.copyOf(cidrs);
        if (publicKey != null && publicKey.length != 32) {
            throw new IllegalArgumentException("peer " + Long.toHexString(peerId)
                    + ": X25519 public key must be 32 bytes, got " + publicKey.length);
        }
        publicKey = publicKey == null ? null : publicKey.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey == null ? null : publicKey.clone();
    }

    @Override
    public String toString() {
        return "SleevePeer[peer=" + Long.toHexString(peerId) + " underlay=" + underlay + " vtep=" + vtepAddress + "/"
                + vtepMac + (vtepAddressV6 == null ? "" : " vtep6=" + vtepAddressV6) + " cidrs=" + cidrs
                + (publicKey == null ? "" : " key=yes") + "]";
    }
}
