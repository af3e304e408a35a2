package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredFdb;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.DesiredState.PeerPlan;
import dev.weft.datapath.DesiredState.RouteKind;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pure function {@code (config, view) -> DesiredState}. Rules:
 * <ul>
 *   <li>Device: {@code config.vxlanDevice}, VNI and port from config, learning off, local address =
 *       the node's underlay address, MTU = config MTU or underlay MTU − 50 (IPv4) / − 70 (IPv6),
 *       MAC = the persisted VTEP MAC, the node's VTEP address on it.</li>
 *   <li>Per remote peer (in peer-id order): host-gw when {@code config.directRouting}, the peer is
 *       {@code sameL2} and offers {@link DatapathMode#HOST_GW} — one route per CIDR via its underlay
 *       address (dev = the underlay interface), plus the VXLAN neighbour and FDB entry below when the peer has a VTEP
 *       (the path probes use them); otherwise VXLAN when it offers it and has a VTEP MAC and
 *       address — one neighbour (VTEP address → MAC), one FDB entry (MAC → underlay address) and one
 *       route per CIDR {@code via <vtep> dev <vxlan> onlink}; the sleeve when the peer offers it but not
 *       VXLAN (the agent takes VXLAN and host-gw away from a peer whose kernel path fails) — one route per
 *       CIDR of either family {@code dev <sleeve>} with no next hop, the VXLAN entries kept for the probes;
 *       otherwise nothing, with the reason.</li>
 *   <li>Local pods: {@code addr/32 dev <host veth> scope link}.</li>
 *   <li>Bad input never throws: overlapping CIDRs (first peer id wins), duplicate VTEP MACs,
 *       family mismatches and the like are skipped and listed in {@link DesiredState#problems()}.</li>
 * </ul>
 */
public final class DesiredStateCalculator {
    private DesiredStateCalculator() {}

    public static DesiredState compute(DatapathConfig config, ClusterView view) {
        ClusterView.LocalNode local = view.local();
        List<String> problems = new ArrayList<>();
        String dev = config.vxlanDevice();

        int mtu = config.mtu();
        int overhead = DatapathConfig.vxlanOverhead(!local.underlayAddress().isIpv4());
        if (mtu != 0 && local.underlayMtu() > 0 && mtu + overhead > local.underlayMtu()) {
            problems.add("pod MTU " + mtu + " + " + overhead + " bytes of VXLAN is more than the underlay MTU "
                    + local.underlayMtu() + " of " + local.underlayInterface()
                    + ": full-size packets between nodes are dropped; set --mtu to " + (local.underlayMtu() - overhead)
                    + " or less, or 0 for automatic");
        }
        if (mtu == 0) {
            if (local.underlayMtu() > overhead + 576) {
                mtu = local.underlayMtu() - overhead;
            } else {
                problems.add("underlay MTU " + local.underlayMtu()
                        + " unknown or too small: leaving the VXLAN MTU to the kernel;"
                        + " set the MTU in the configuration");
            }
        }
        DesiredState.VxlanDevice device = new DesiredState.VxlanDevice(
                dev,
                config.vni(),
                config.port(),
                local.underlayAddress(),
                local.underlayInterface(),
                false,
                mtu,
                local.vtepMac(),
                local.vtepAddress(),
                local.vtepAddressV6());

        List<DesiredRoute> routes = new ArrayList<>();
        List<DesiredNeighbour> neighbours = new ArrayList<>();
        List<DesiredFdb> fdb = new ArrayList<>();
        List<PeerPlan> plans = new ArrayList<>();
        List<Cidr> claimed = new ArrayList<>();
        Map<MacAddress, String> macOwner = new HashMap<>();
        Map<IpAddress, String> vtepOwner = new HashMap<>();

        List<ClusterView.RemotePeer> peers = new ArrayList<>(view.peers());
        peers.sort(Comparator.comparing(ClusterView.RemotePeer::peerId));
        Set<String> seen = new HashSet<>();
        for (ClusterView.RemotePeer p : peers) {
            if (p.peerId().equals(local.peerId())) {
                problems.add("peer=" + p.peerId() + " is this node: ignored");
                continue;
            }
            if (!seen.add(p.peerId())) {
                problems.add("peer=" + p.peerId() + " listed twice: second entry ignored");
                continue;
            }
            if (p.underlayAddress() == null
                    || p.underlayAddress().isIpv4() != local.underlayAddress().isIpv4()) {
                plans.add(new PeerPlan(p.peerId(), null, p.cidrs(), "no underlay address of this node's family"));
                continue;
            }
            DatapathMode mode;
            String reason = null;
            if (config.directRouting() && p.sameL2() && p.datapaths().contains(DatapathMode.HOST_GW)) {
                mode = DatapathMode.HOST_GW;
            } else if (!p.datapaths().contains(DatapathMode.VXLAN)
                    && p.datapaths().contains(DatapathMode.SLEEVE)
                    && config.sleeveDevice() != null) {
                mode = DatapathMode.SLEEVE;
            } else if (!p.datapaths().contains(DatapathMode.VXLAN)) {
                mode = null;
                reason = "no common kernel datapath (peer offers " + p.datapaths() + ")";
            } else if (p.vtepMac() == null || p.vtepAddress() == null) {
                mode = null;
                reason = "peer has not announced its VTEP MAC/address yet";
            } else if (macOwner.containsKey(p.vtepMac())) {
                mode = null;
                reason = "VTEP MAC " + p.vtepMac() + " already used by peer=" + macOwner.get(p.vtepMac());
            } else if (vtepOwner.containsKey(p.vtepAddress())) {
                mode = null;
                reason = "VTEP address " + p.vtepAddress() + " already used by peer=" + vtepOwner.get(p.vtepAddress());
            } else {
                mode = DatapathMode.VXLAN;
            }
            if (mode == null) {
                plans.add(new PeerPlan(p.peerId(), null, p.cidrs(), reason));
                problems.add("peer=" + p.peerId() + " unreachable: " + reason);
                continue;
            }
            List<Cidr> accepted = new ArrayList<>();
            boolean vxlanFallback = false;
            for (Cidr c : p.cidrs()) {
                DatapathMode routeMode = mode;
                if (mode == DatapathMode.HOST_GW
                        && c.isIpv4() != p.underlayAddress().isIpv4()) {
                    // an IPv6 range over an IPv4 underlay: the kernel has no IPv6 route via an IPv4 next hop
                    // ("IPv6 does not support RTA_VIA attribute"), so it crosses over the VXLAN device instead
                    routeMode = DatapathMode.VXLAN;
                }
                // the sleeve's TUN device is L3 and carries both families: a route needs no next hop
                IpAddress gw = routeMode == DatapathMode.VXLAN ? vtepFor(p, c) : p.underlayAddress();
                if (routeMode == DatapathMode.SLEEVE) {
                    gw = null;
                } else if (gw == null
                        || routeMode == DatapathMode.VXLAN && mode != DatapathMode.VXLAN && !vxlanUsable(p, macOwner)) {
                    problems.add("peer=" + p.peerId() + " range=" + c + ": no " + (c.isIpv4() ? "IPv4" : "IPv6")
                            + " VTEP address or usable VTEP MAC announced for it, skipped");
                    continue;
                }
                if (gw != null && c.isIpv4() != gw.isIpv4()) {
                    problems.add("peer=" + p.peerId() + " range=" + c + ": family differs from next hop " + gw
                            + ", skipped");
                    continue;
                }
                if (routeMode != mode) vxlanFallback = true;
                Cidr clash = overlapping(claimed, c);
                if (clash != null) {
                    problems.add(
                            "peer=" + p.peerId() + " range=" + c + " overlaps " + clash + " of another peer, skipped");
                    continue;
                }
                claimed.add(c);
                accepted.add(c);
                if (routeMode == DatapathMode.VXLAN) {
                    routes.add(new DesiredRoute(
                            c, gw, dev, true, Rtnl.RT_SCOPE_UNIVERSE, RouteKind.REMOTE_VXLAN, p.peerId()));
                } else if (routeMode == DatapathMode.SLEEVE) {
                    routes.add(new DesiredRoute(
                            c, null, config.sleeveDevice(), false, linkScope(c), RouteKind.REMOTE_SLEEVE, p.peerId()));
                } else {
                    routes.add(new DesiredRoute(
                            c,
                            gw,
                            local.underlayInterface(),
                            false,
                            Rtnl.RT_SCOPE_UNIVERSE,
                            RouteKind.REMOTE_HOST_GW,
                            p.peerId()));
                }
            }
            // host-gw and sleeve peers keep their VXLAN neighbour and FDB entry too: the agent's path probes
            // (VxlanProbe) always cross the kernel VXLAN device, whatever carries the peer's pod traffic. Without
            // them a host-gw peer's probes die in ARP on the device, the peer falls back to the sleeve (which
            // restores the entries), its probes succeed, it returns to host-gw, and so on every few seconds.
            if (mode == DatapathMode.VXLAN
                    || (mode == DatapathMode.SLEEVE || mode == DatapathMode.HOST_GW || vxlanFallback)
                            && p.vtepMac() != null
                            && p.vtepAddress() != null
                            && !macOwner.containsKey(p.vtepMac())
                            && !vtepOwner.containsKey(p.vtepAddress())) {
                macOwner.put(p.vtepMac(), p.peerId());
                vtepOwner.put(p.vtepAddress(), p.peerId());
                neighbours.add(new DesiredNeighbour(p.vtepAddress(), p.vtepMac(), dev, p.peerId()));
                fdb.add(new DesiredFdb(p.vtepMac(), p.underlayAddress(), dev, p.peerId()));
                // dual stack: the IPv6 VTEP address resolves to the same MAC (inner IPv6 over the same device)
                if (p.vtepAddressV6() != null && !vtepOwner.containsKey(p.vtepAddressV6())) {
                    vtepOwner.put(p.vtepAddressV6(), p.peerId());
                    neighbours.add(new DesiredNeighbour(p.vtepAddressV6(), p.vtepMac(), dev, p.peerId()));
                }
            }
            plans.add(new PeerPlan(p.peerId(), mode, accepted, null));
        }

        TreeMap<IpAddress, String> podRoutes = new TreeMap<>();
        for (ClusterView.LocalPod pod : view.pods()) {
            String prev = podRoutes.putIfAbsent(pod.address(), pod.hostVeth());
            if (prev != null) {
                problems.add("pod address " + pod.address() + " on both " + prev + " and " + pod.hostVeth()
                        + ": second ignored");
                continue;
            }
            Cidr host = Cidr.host(pod.address());
            Cidr clash = overlapping(claimed, host);
            if (clash != null) {
                problems.add("pod address " + pod.address() + " lies in remote range " + clash
                        + ": local route still installed");
            }
            routes.add(new DesiredRoute(host, null, pod.hostVeth(), false, linkScope(host), RouteKind.LOCAL_POD, null));
        }
        return new DesiredState(device, routes, neighbours, fdb, plans, problems);
    }

    /**
     * Scope of a device route: link for IPv4; the kernel stores every IPv6 route with scope universe whatever it was
     * given, so asking for link would look like a change on every reconcile.
     */
    private static int linkScope(Cidr c) {
        return c.isIpv4() ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE;
    }

    /** The peer's VTEP address of {@code c}'s family (a dual-stack peer has one per family), or null. */
    private static IpAddress vtepFor(ClusterView.RemotePeer p, Cidr c) {
        if (p.vtepAddress() != null && p.vtepAddress().isIpv4() == c.isIpv4()) return p.vtepAddress();
        if (p.vtepAddressV6() != null && !c.isIpv4()) return p.vtepAddressV6();
        return null;
    }

    /** A host-gw peer whose IPv6 ranges fall back to VXLAN: it must offer VXLAN with a MAC no one else uses. */
    private static boolean vxlanUsable(ClusterView.RemotePeer p, Map<MacAddress, String> macOwner) {
        return p.datapaths().contains(DatapathMode.VXLAN)
                && p.vtepMac() != null
                && p.vtepAddress() != null
                && !macOwner.containsKey(p.vtepMac());
    }

    private static Cidr overlapping(List<Cidr> claimed, Cidr c) {
        for (Cidr x : claimed) {
            if (x.isIpv4() == c.isIpv4() && x.overlaps(c)) {
                return x;
            }
        }
        return null;
    }
}
