package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;

/**
 * A remote node reached over the sleeve, as the agent knows it from the peer's gossiped node record.
 *
 * @param peerId        the peer's 64-bit id (bound into the encryption keys)
 * @param underlay      the peer's underlay (node) address packets are sent to
 * @param vtepAddress   the peer's VTEP address (routed to the sleeve as a /32)
 * @param vtepMac       the peer's VTEP MAC: the inner Ethernet destination of plain VXLAN frames, which a
 *                      kernel VXLAN peer requires to accept them
 * @param cidrs         the peer's pod ranges (IPv4), routed to the sleeve device
 * @param publicKey     the peer's 32-byte X25519 sleeve public key; null when the cluster has no secret
 */
public record SleevePeer(
        long peerId,
        IpAddress underlay,
        IpAddress vtepAddress,
        MacAddress vtepMac,
        List<Cidr> cidrs,
        byte[] publicKey) {
    public SleevePeer {
        if (underlay == null || !underlay.isIpv4()) {
            throw new IllegalArgumentException(
                    "peer " + Long.toHexString(peerId) + ": underlay must be an IPv4 address, got " + underlay);
        }
        if (vtepAddress == null || !vtepAddress.isIpv4()) {
            throw new IllegalArgumentException(
                    "peer " + Long.toHexString(peerId) + ": VTEP address must be IPv4, got " + vtepAddress);
        }
        if (vtepMac == null) {
            throw new IllegalArgumentException("peer " + Long.toHexString(peerId) + ": VTEP MAC missing");
        }
        cidrs = List.copyOf(cidrs);
        for (Cidr c : cidrs) {
            if (!c.isIpv4()) {
                throw new IllegalArgumentException(
                        "peer " + Long.toHexString(peerId) + ": sleeve routes IPv4 ranges only, got " + c);
            }
        }
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
                + vtepMac + " cidrs=" + cidrs + (publicKey == null ? "" : " key=yes") + "]";
    }
}
