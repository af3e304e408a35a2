package dev.weft.agent.core;

import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathMode;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datapath's input as a pure function of what the controller knows: this node, the peers with their records,
 * every owner's ranges and the local pods. Peers offer datapaths in their records; which of them work right now
 * (the sleeve's probes) is decided where the kernel work runs.
 */
final class ClusterViews {
    private static final Logger log = LoggerFactory.getLogger(ClusterViews.class);

    private ClusterViews() {}

    static ClusterView build(
            LocalNode self,
            Optional<IpAddress> gateway,
            Collection<PeerTable.Peer> peers,
            Map<PeerId, List<Cidr>> cidrsByOwner,
            Map<AttachmentKey, IpAddress> allocations) {
        return build(self, gateway, Optional.empty(), peers, cidrsByOwner, List.of(allocations));
    }

    /**
     * With a dual-stack node's IPv6 gateway, every family's ranges per owner and every family's allocations (a
     * dual-stack pod has one per family, both routed to its veth).
     */
    static ClusterView build(
            LocalNode self,
            Optional<IpAddress> gateway,
            Optional<IpAddress> gatewayV6,
            Collection<PeerTable.Peer> peers,
            Map<PeerId, List<Cidr>> cidrsByOwner,
            List<Map<AttachmentKey, IpAddress>> allocationsByFamily) {
        ClusterView.LocalNode local = new ClusterView.LocalNode(
                self.id().toString(),
                self.underlayAddress(),
                self.underlayInterface(),
                self.underlayMtu(),
                self.vtepMac(),
                gateway.orElse(null),
                gatewayV6.orElse(null));
        List<ClusterView.RemotePeer> remotes = new ArrayList<>();
        for (PeerTable.Peer p : peers) {
            if (p.record().isEmpty()) continue;
            List<Cidr> owned = cidrsByOwner.getOrDefault(p.id(), List.of());
            if (owned.isEmpty()) continue;
            var rec = p.record().get();
            IpAddress underlay = IpAddress.of(rec.underlay());
            MacAddress mac = rec.record().getVtepMac().size() == 6
                    ? MacAddress.of(rec.record().getVtepMac().toByteArray())
                    : null;
            remotes.add(new ClusterView.RemotePeer(
                    p.id().toString(),
                    underlay,
                    mac,
                    rec.vtepAddress().map(IpAddress::of).orElse(null),
                    owned,
                    self.underlaySubnet().contains(underlay),
                    offered(rec.record().getDatapathsList()),
                    rec.vtepAddressV6().map(IpAddress::of).orElse(null)));
        }
        List<ClusterView.LocalPod> pods = new ArrayList<>();
        for (Map<AttachmentKey, IpAddress> allocations : allocationsByFamily) {
            for (Map.Entry<AttachmentKey, IpAddress> a : allocations.entrySet()) {
                pods.add(new ClusterView.LocalPod(
                        a.getValue(),
                        PodPlumber.hostIfName(
                                a.getKey().containerId(), a.getKey().ifName())));
            }
        }
        return new ClusterView(local, remotes, pods);
    }

    /** Two families' lists of one owner's ranges, joined. */
    static List<Cidr> concat(List<Cidr> a, List<Cidr> b) {
        List<Cidr> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static Set<DatapathMode> offered(List<String> names) {
        Set<DatapathMode> modes = EnumSet.noneOf(DatapathMode.class);
        for (String d : names) {
            switch (d) {
                case "vxlan" -> modes.add(DatapathMode.VXLAN);
                case "host-gw" -> modes.add(DatapathMode.HOST_GW);
                case "sleeve" -> modes.add(DatapathMode.SLEEVE);
                default -> {}
            }
        }
        return modes;
    }

    /**
     * podCIDR mode: each peer's range comes from its own node record (this node's from IPAM). A record's prefix is
     * believed only if it lies inside the cluster range and overlaps no prefix already taken (this node's first, then
     * peers in id order): a compromised node cannot announce {@code 0.0.0.0/1} and take every node's egress, nor
     * another node's range. Refused prefixes are counted and logged once
     * each ({@link PodCidrRefusals}) and not routed.
     */
    static Map<PeerId, List<Cidr>> podCidrsFromRecords(
            PeerId self,
            List<Cidr> own,
            Collection<PeerTable.Peer> peers,
            Cidr clusterRange,
            PodCidrRefusals refusals) {
        Map<PeerId, List<Cidr>> out = new HashMap<>();
        List<Cidr> taken = new ArrayList<>(own);
        out.put(self, own);
        List<PeerTable.Peer> ordered = peers.stream()
                .sorted(java.util.Comparator.comparing(PeerTable.Peer::id))
                .toList();
        for (PeerTable.Peer p : ordered) {
            if (p.record().isEmpty()) continue;
            List<Cidr> l = new ArrayList<>();
            for (String c : p.record().get().record().getPodCidrsList()) {
                Cidr cidr;
                try {
                    cidr = Cidr.parse(c);
                } catch (RuntimeException e) {
                    refusals.refuse(p.id(), c, PodCidrRefusals.MALFORMED, "not a CIDR");
                    continue;
                }
                if (cidr.isIpv4() != clusterRange.isIpv4()) {
                    continue; // the other family's prefix of a dual-stack peer: checked against its own range
                } else if (!clusterRange.contains(cidr)) {
                    refusals.refuse(
                            p.id(), c, PodCidrRefusals.OUTSIDE_RANGE, "outside the cluster range " + clusterRange);
                } else if (taken.stream().anyMatch(t -> t.overlaps(cidr))) {
                    refusals.refuse(
                            p.id(), c, PodCidrRefusals.OVERLAP, "overlaps a range another node already announced");
                } else {
                    l.add(cidr);
                    taken.add(cidr);
                }
            }
            out.put(p.id(), l);
        }
        return out;
    }

    /** Live peers that offer the sleeve and have what it needs (record, VTEP address and MAC, ranges). */
    static List<SleeveTarget> sleeveTargets(Collection<PeerTable.Peer> peers, ClusterView view) {
        Map<String, List<Cidr>> cidrs = new HashMap<>();
        for (ClusterView.RemotePeer r : view.peers()) cidrs.put(r.peerId(), r.cidrs());
        List<SleeveTarget> out = new ArrayList<>();
        for (PeerTable.Peer p : peers) {
            if (!p.alive() || p.record().isEmpty()) continue;
            var rec = p.record().get();
            if (!rec.record().getDatapathsList().contains("sleeve")
                    || rec.vtepAddress().isEmpty()
                    || rec.record().getVtepMac().size() != 6) {
                continue;
            }
            out.add(new SleeveTarget(
                    p.id(),
                    IpAddress.of(rec.underlay()),
                    IpAddress.of(rec.vtepAddress().get()),
                    MacAddress.of(rec.record().getVtepMac().toByteArray()),
                    cidrs.getOrDefault(p.id().toString(), List.of()), // both families: the sleeve carries both
                    rec.record().getSleevePublicKey().toByteArray(),
                    rec.vtepAddressV6().map(IpAddress::of).orElse(null)));
        }
        return out;
    }
}
