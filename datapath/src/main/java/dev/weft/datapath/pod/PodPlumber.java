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
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * neighbour entry gateway -> host veth MAC (so it never needs ARP or proxy ARP for the gateway). The host
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

    public static final String GATEWAY = "169.254.1.1";
    /** Prefix of every host-side veth Weft creates. */
    public static final String HOST_PREFIX = "weft";

    private static final InetAddress GATEWAY_ADDRESS;

    static {
        try {
            GATEWAY_ADDRESS = InetAddress.getByAddress(new byte[] {(byte) 169, (byte) 254, 1, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
        InetAddress podIp = ipv4(spec);
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
                hostSysctl.accept("net/ipv4/conf/" + hostName + "/forwarding", "1");
                host.updateLink(new LinkUpdate(hostEnd.index()).up(true));

                pod.updateLink(new LinkUpdate(podEnd.index()).up(true));
                pod.addAddress(Address.of(podEnd.index(), podIp, 32), true);
                pod.addRoute(
                        Route.builder()
                                .destination(GATEWAY_ADDRESS, 32)
                                .outputIndex(podEnd.index())
                                .scope(Rtnl.RT_SCOPE_LINK)
                                .build(),
                        true);
                pod.addRoute(
                        Route.builder()
                                .defaultRoute(Rtnl.AF_INET)
                                .gateway(GATEWAY_ADDRESS)
                                .outputIndex(podEnd.index())
                                .onlink(true)
                                .build(),
                        true);
                pod.addNeighbour(Neighbour.permanent(podEnd.index(), GATEWAY_ADDRESS, hostNow.mac()), true);
                return new PodLinks(hostName, hostNow.mac(), spec.ifName(), podEnd.mac(), spec.mtu());
            } catch (PodPlumbingException e) {
                deleteQuietly(hostEnd.index());
                throw e;
            } catch (NetlinkException | UncheckedIOException e) {
                deleteQuietly(hostEnd.index());
                throw kernel("configuring pod " + spec.containerId() + " (" + podIp.getHostAddress() + ")", e);
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
        InetAddress podIp = ipv4(spec);
        String hostName = hostIfName(spec.containerId(), spec.ifName());
        Link hostEnd = host.link(hostName).orElseThrow(() -> mismatch("host veth " + hostName + " is missing"));
        if (!hostEnd.isUp()) throw mismatch("host veth " + hostName + " is down");
        boolean hostRoute = host.routes(Rtnl.AF_INET).stream()
                .anyMatch(r -> podIp.equals(r.destination())
                        && r.prefixLength() == 32
                        && r.outputIndex() == hostEnd.index()
                        && r.table() == Rtnl.RT_TABLE_MAIN);
        if (!hostRoute) {
            throw mismatch("node has no route " + podIp.getHostAddress() + "/32 dev " + hostName
                    + " (the datapath reconciler installs it; see `weft status routes`)");
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
            List<Address> addrs = pod.addresses(Rtnl.AF_INET);
            if (addrs.stream()
                    .noneMatch(
                            a -> a.index() == podEnd.index() && podIp.equals(a.address()) && a.prefixLength() == 32)) {
                throw mismatch(spec.ifName() + " lacks address " + podIp.getHostAddress() + "/32");
            }
            List<Route> routes = pod.routes(Rtnl.AF_INET);
            if (routes.stream()
                    .noneMatch(r -> r.destination() == null
                            && r.prefixLength() == 0
                            && GATEWAY_ADDRESS.equals(r.gateway())
                            && r.outputIndex() == podEnd.index()
                            && r.table() == Rtnl.RT_TABLE_MAIN)) {
                throw mismatch("pod has no default route via " + GATEWAY + " dev " + spec.ifName());
            }
            boolean neigh = pod.neighbours(Rtnl.AF_INET).stream()
                    .anyMatch(n -> n.index() == podEnd.index()
                            && GATEWAY_ADDRESS.equals(n.destination())
                            && n.isPermanent()
                            && hostEnd.mac().equals(n.lladdr()));
            if (!neigh) throw mismatch("pod has no permanent neighbour " + GATEWAY + " -> " + hostEnd.mac());
        }
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

    private static InetAddress ipv4(PodSpec spec) throws PodPlumbingException {
        InetAddress a = spec.address().toInetAddress();
        if (!(a instanceof Inet4Address)) {
            throw new PodPlumbingException(
                    PodPlumbingException.Kind.KERNEL,
                    "IPv6 pod addresses are not supported yet (got " + spec.address() + ")");
        }
        return a;
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
