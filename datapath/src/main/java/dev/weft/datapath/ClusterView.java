package dev.weft.datapath;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the datapath needs to know about the cluster, as the agent sees it at one moment.
 * Immutable input of {@link DesiredStateCalculator}.
 */
public record ClusterView(LocalNode local, List<RemotePeer> peers, List<LocalPod> pods) {
    public ClusterView {
        Objects.requireNonNull(local, "local");
        peers = List.copyOf(peers);
        pods = List.copyOf(pods);
    }

    /**
     * This node. {@code underlayInterface} may be null (then the VXLAN device is not bound to an
     * interface and host-gw routes carry no device); {@code vtepMac} is the persisted MAC
     * ({@link VtepMacStore}); {@code vtepAddress} the node's reserved gateway/VTEP address (may be
     * null before IPAM gave one).
     */
    public record LocalNode(
            String peerId,
            IpAddress underlayAddress,
            String underlayInterface,
            int underlayMtu,
            MacAddress vtepMac,
            IpAddress vtepAddress,
            IpAddress vtepAddressV6) {
        public LocalNode {
            Objects.requireNonNull(peerId, "peerId");
            Objects.requireNonNull(underlayAddress, "underlayAddress");
            Objects.requireNonNull(vtepMac, "vtepMac");
            if (vtepAddressV6 != null && vtepAddressV6.isIpv4())
                throw new IllegalArgumentException("vtepAddressV6 must be IPv6: " + vtepAddressV6);
        }

        /** A single-stack node (no IPv6 gateway of a dual-stack node). */
        public LocalNode(
                String peerId,
                IpAddress underlayAddress,
                String underlayInterface,
                int underlayMtu,
                MacAddress vtepMac,
                IpAddress vtepAddress) {
            this(peerId, underlayAddress, underlayInterface, underlayMtu, vtepMac, vtepAddress, null);
        }
    }

    /**
     * A remote peer. {@code sameL2}: its underlay address is on our L2 segment (host-gw possible);
     * {@code datapaths}: the datapaths it supports and that are currently healthy towards it;
     * {@code vtepAddressV6}: its IPv6 gateway/VTEP address when it is dual-stack (else null): the next hop of
     * its IPv6 ranges over VXLAN, whatever the underlay's family.
     */
    public record RemotePeer(
            String peerId,
            IpAddress underlayAddress,
            MacAddress vtepMac,
            IpAddress vtepAddress,
            List<Cidr> cidrs,
            boolean sameL2,
            Set<DatapathMode> datapaths,
            IpAddress vtepAddressV6) {
        public RemotePeer {
            Objects.requireNonNull(peerId, "peerId");
            cidrs = List.copyOf(cidrs);
            datapaths = Set.copyOf(datapaths);
        }

        /** A single-stack peer. */
        public RemotePeer(
                String peerId,
                IpAddress underlayAddress,
                MacAddress vtepMac,
                IpAddress vtepAddress,
                List<Cidr> cidrs,
                boolean sameL2,
                Set<DatapathMode> datapaths) {
            this(peerId, underlayAddress, vtepMac, vtepAddress, cidrs, sameL2, datapaths, null);
        }
    }

    /** A pod on this node: its address and the host end of its veth. */
    public record LocalPod(IpAddress address, String hostVeth) {
        public LocalPod {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(hostVeth, "hostVeth");
        }
    }
}
