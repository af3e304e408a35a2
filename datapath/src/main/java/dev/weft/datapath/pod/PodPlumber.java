package dev.weft.datapath.pod;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.Neighbour;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.IpAddress;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.BiConsumer;

/**
 * Plumbs pods into the node with the routing model of DESIGN §5: a veth pair whose pod end
 * ({@code CNI_IFNAME}) is created directly inside the pod's namespace; the pod gets {@code IP/32}, an
 * on-link route to the link-local gateway {@value #GATEWAY}, a default route via it and a permanent
 * neighbour entry gateway -> host veth MAC (so it never needs ARP or proxy ARP for the gateway). An IPv6
 * address (single-stack IPv6, or the second address of a dual-stack pod) gets the same with {@code /128} and
 * {@code fe80::1} ({@link PodGateway}); duplicate address detection is switched off on both veth ends
 * ({@code accept_dad=0}) before the address is added, so the address is usable at once instead of tentative. The host
 * veth is named {@code weft} + hash (at most 15 chars).
 *
 * <p>The node's {@code /32} route to the pod over the host veth is <em>not</em> made here: like every kernel
 * object Weft owns it has one writer, the desired state ({@code ClusterView.LocalPod} →
 * {@code DesiredStateCalculator} → {@code Reconciler}). The pod is reachable once the reconciler has run
 * with the pod in the view; {@link #check} verifies that route too.
 *
 * <p>Stateless: everything is derived from the kernel and the container id, so it survives agent
 * restarts. Thread-safe as long as the {@link Netlink} given is; callers serialise per container.
 */
public final class PodPlumber {

    /** The IPv4 gateway; IPv6 pods use {@link PodGateway#V6} ({@code fe80::1}). */
    public static final String GATEWAY = PodGateway.V4_TEXT;
    /** Prefix of every host-side veth Weft creates. */
    public static final String HOST_PREFIX = "weft";

    private final Netlink host;
    private final BiConsumer<String, String> hostSysctl;
    private final ThreadFactory namespaceThreads;

    /**
     * @param host netlink of the node's (agent's) namespace
     * @param hostSysctl writes a sysctl ({@code net/ipv4/conf/X/forwarding}) in the node's namespace
     *     ({@code Sysctl::write} in the agent)
     * @param namespaceThreads platform threads for work inside pod namespaces (one short-lived thread per call)
     */
    public PodPlumber(Netlink host, BiConsumer<String, String> hostSysctl, ThreadFactory namespaceThreads) {
        this.host = host;
        this.hostSysctl = hostSysctl;
        this.namespaceThreads = namespaceThreads;
    }

    /** {@code weft} + 11 hex digits of SHA-256(container id, and the interface name unless eth0). */
    public static String hostIfName(String containerId, String ifName) {
        String key = "eth0".equals(ifName) ? containerId : containerId + "/" + ifName;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HOST_PREFIX + HexFormat.of().formatHex(d).substring(0, 11);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Creates everything for the pod; on failure removes what it created and throws. */
    public PodLinks attach(PodSpec spec) throws PodPlumbingException {
        String hostName = hostIfName(spec.containerId(), spec.ifName());
        try (NetlinkNamespace ns = openPodNamespace(spec)) {
            Netlink pod = ns.netlink();
            if (pod.link(spec.ifName()).isPresent()) {
                throw new PodPlumbingException(
                        PodPlumbingException.Kind.INTERFACE_EXISTS,
                        "interface " + spec.ifName() + " already exists in " + spec.netns());
            }
            // A host veth of this name without its pod end is a leftover (e.g. of an agent killed mid-ADD).
            host.link(hostName).ifPresent(stale -> deleteQuietly(stale.index()));
            Link hostEnd;
            try {
                hostEnd = host.createLink(
                        new LinkSpec.Veth(hostName, spec.ifName(), spec.mtu(), null, null, spec.netns()));
            } catch (NetlinkException e) {
                throw kernel("creating veth " + hostName + " <-> " + spec.ifName() + " in " + spec.netns(), e);
            }
            try {
                Link podEnd = pod.link(spec.ifName())
                        .orElseThrow(() -> new PodPlumbingException(
                                PodPlumbingException.Kind.KERNEL,
                                "veth end " + spec.ifName() + " did not appear in " + spec.netns()));
                Link hostNow = host.link(hostEnd.index()).orElse(hostEnd);
                boolean v6 = spec.addresses().stream().anyMatch(a -> !a.isIpv4());
                if (spec.address().isIpv4()) hostSysctl.accept("net/ipv4/conf/" + hostName + "/forwarding", "1");
                if (v6) {
                    // no duplicate address detection on either end: a tentative address would hold the pod's first
                    // packets (and the host's neighbour solicitations) back for a second or more
                    hostSysctl.accept("net/ipv6/conf/" + hostName + "/accept_dad", "0");
                    hostSysctl.accept("net/ipv6/conf/" + hostName + "/forwarding", "1");
                    ns.writeSysctl("net/ipv6/conf/" + spec.ifName() + "/disable_ipv6", "0");
                    ns.writeSysctl("net/ipv6/conf/" + spec.ifName() + "/accept_dad", "0");
                }
                host.updateLink(new LinkUpdate(hostEnd.index()).up(true));

                pod.updateLink(new LinkUpdate(podEnd.index()).up(true));
                for (var address : spec.addresses()) {
                    PodGateway gw = PodGateway.of(address);
                    pod.addAddress(Address.of(podEnd.index(), address.toInetAddress(), gw.hostPrefix()), true);
                    pod.addRoute(
                            Route.builder()
                                    .destination(gw.address(), gw.hostPrefix())
                                    .outputIndex(podEnd.index())
                                    .scope(Rtnl.RT_SCOPE_LINK)
                                    .build(),
                            true);
                    pod.addRoute(
                            Route.builder()
                                    .defaultRoute(gw.family())
                                    .gateway(gw.address())
                                    .outputIndex(podEnd.index())
                                    .onlink(true)
                                    .build(),
                            true);
                    pod.addNeighbour(Neighbour.permanent(podEnd.index(), gw.address(), hostNow.mac()), true);
                }
                return new PodLinks(hostName, hostNow.mac(), spec.ifName(), podEnd.mac(), spec.mtu());
            } catch (PodPlumbingException e) {
                deleteQuietly(hostEnd.index());
                throw e;
            } catch (NetlinkException | UncheckedIOException e) {
                deleteQuietly(hostEnd.index());
                throw kernel("configuring pod " + spec.containerId() + " (" + spec.addresses() + ")", e);
            } catch (RuntimeException e) {
                deleteQuietly(hostEnd.index());
                throw e;
            }
        }
    }

    /**
     * Removes the pod's veth pair (deleting the host end removes the pod end, and the kernel drops the host
     * route the reconciler had put on it).
     * Succeeds when it is already gone. Needs no namespace: the host end's name is derived from the ids.
     */
    public void detach(String containerId, String ifName) throws PodPlumbingException {
        String hostName = hostIfName(containerId, ifName);
        Optional<Link> l = host.link(hostName);
        if (l.isEmpty()) return;
        try {
            host.deleteLink(l.get().index());
        } catch (NetlinkException e) {
            if (e.isNotFound()) return;
            throw kernel("deleting " + hostName, e);
        }
    }

    /**
     * Verifies everything {@link #attach} made, and the node's route to the pod that the reconciler owns;
     * MISMATCH names the first difference.
     */
    public void check(PodSpec spec) throws PodPlumbingException {
        String hostName = hostIfName(spec.containerId(), spec.ifName());
        Link hostEnd = host.link(hostName).orElseThrow(() -> mismatch("host veth " + hostName + " is missing"));
        if (!hostEnd.isUp()) throw mismatch("host veth " + hostName + " is down");
        for (var address : spec.addresses()) {
            PodGateway gw = PodGateway.of(address);
            InetAddress podIp = address.toInetAddress();
            boolean hostRoute = host.routes(gw.family()).stream()
                    .anyMatch(r -> podIp.equals(r.destination())
                            && r.prefixLength() == gw.hostPrefix()
                            && r.outputIndex() == hostEnd.index()
                            && r.table() == Rtnl.RT_TABLE_MAIN);
            if (!hostRoute) {
                throw mismatch("node has no route " + address + "/" + gw.hostPrefix() + " dev " + hostName
                        + " (the datapath reconciler installs it; see `weft status routes`)");
            }
        }
        try (NetlinkNamespace ns = openPodNamespace(spec)) {
            Netlink pod = ns.netlink();
            Link podEnd = pod.link(spec.ifName())
                    .orElseThrow(() -> mismatch(spec.ifName() + " is missing in " + spec.netns()));
            if (!"veth".equals(podEnd.kind()))
                throw mismatch(spec.ifName() + " is a " + podEnd.kind() + ", not a veth");
            if (podEnd.linkIndex() != 0 && podEnd.linkIndex() != hostEnd.index()) {
                throw mismatch(spec.ifName() + " is not the peer of " + hostName);
            }
            if (!podEnd.isUp()) throw mismatch(spec.ifName() + " is down");
            if (podEnd.mtu() != spec.mtu())
                throw mismatch(spec.ifName() + " has MTU " + podEnd.mtu() + ", expected " + spec.mtu());
            for (var address : spec.addresses()) checkFamily(pod, podEnd, hostEnd, spec.ifName(), address);
        }
    }

    /** One family of {@link #check}: the pod's address, its default route via the gateway, the gateway's entry. */
    private static void checkFamily(Netlink pod, Link podEnd, Link hostEnd, String ifName, IpAddress address)
            throws PodPlumbingException {
        PodGateway gw = PodGateway.of(address);
        InetAddress podIp = address.toInetAddress();
        List<Address> addrs = pod.addresses(gw.family());
        if (addrs.stream()
                .noneMatch(a -> a.index() == podEnd.index()
                        && podIp.equals(a.address())
                        && a.prefixLength() == gw.hostPrefix())) {
            throw mismatch(ifName + " lacks address " + address + "/" + gw.hostPrefix());
        }
        List<Route> routes = pod.routes(gw.family());
        if (routes.stream()
                .noneMatch(r -> r.destination() == null
                        && r.prefixLength() == 0
                        && gw.address().equals(r.gateway())
                        && r.outputIndex() == podEnd.index()
                        && r.table() == Rtnl.RT_TABLE_MAIN)) {
            throw mismatch("pod has no default route via " + gw.text() + " dev " + ifName);
        }
        boolean neigh = pod.neighbours(gw.family()).stream()
                .anyMatch(n -> n.index() == podEnd.index()
                        && gw.address().equals(n.destination())
                        && n.isPermanent()
                        && hostEnd.mac().equals(n.lladdr()));
        if (!neigh) throw mismatch("pod has no permanent neighbour " + gw.text() + " -> " + hostEnd.mac());
    }

    private NetlinkNamespace openPodNamespace(PodSpec spec) throws PodPlumbingException {
        try {
            return NetlinkNamespace.open(spec.netns(), namespaceThreads);
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                throw new PodPlumbingException(
                        PodPlumbingException.Kind.NETNS_NOT_FOUND,
                        "network namespace " + spec.netns() + " does not exist",
                        e);
            }
            throw kernel("entering network namespace " + spec.netns(), e);
        } catch (UncheckedIOException e) {
            throw new PodPlumbingException(
                    PodPlumbingException.Kind.NETNS_NOT_FOUND,
                    "cannot open network namespace " + spec.netns() + ": " + e.getMessage(),
                    e);
        }
    }

    private void deleteQuietly(int index) {
        try {
            host.deleteLink(index);
        } catch (NetlinkException e) {
            // already gone or never fully created; nothing else to undo
        }
    }

    private static PodPlumbingException kernel(String what, RuntimeException e) {
        return new PodPlumbingException(PodPlumbingException.Kind.KERNEL, what + ": " + e.getMessage(), e);
    }

    private static PodPlumbingException mismatch(String what) {
        return new PodPlumbingException(PodPlumbingException.Kind.MISMATCH, what);
    }
}
