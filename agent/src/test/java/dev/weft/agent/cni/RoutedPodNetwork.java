package dev.weft.agent.cni;

import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.ipam.addr.IpAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test stand-in for what the agent does around the plumber: the pod's host route is not made by the plumber but by
 * the desired state, so after each attach/detach the pod joins/leaves a {@link ClusterView} and a {@link Reconciler}
 * applies it before the answer goes back. The VXLAN device it also makes is named {@value #DEVICE} so that tests
 * checking "no weft* link left" see only pod veths.
 */
final class RoutedPodNetwork implements PodNetwork {
    static final String DEVICE = "tvx0";

    private final PodNetwork plumbed;
    private final Reconciler reconciler;
    private final DatapathConfig config = DatapathConfig.defaults().withDevice(DEVICE);
    private final ClusterView.LocalNode local;
    private final Map<String, List<ClusterView.LocalPod>> pods = new LinkedHashMap<>();

    /** @param nodeAddress an address of the node's namespace (the VXLAN device's local address) */
    RoutedPodNetwork(PodNetwork plumbed, Netlink host, String nodeAddress) {
        this.plumbed = plumbed;
        this.reconciler = new Reconciler(host, config);
        this.local = new ClusterView.LocalNode(
                "node", IpAddress.parse(nodeAddress), null, 1500, MacAddress.parse("02:57:00:00:00:01"), null);
    }

    @Override
    public Attached attach(Attach request) throws PodNetworkException {
        Attached a = plumbed.attach(request);
        synchronized (this) {
            List<ClusterView.LocalPod> routes = new java.util.ArrayList<>();
            routes.add(new ClusterView.LocalPod(request.address(), a.hostIfName()));
            // a dual-stack pod: its IPv6 host route as well
            if (request.addressV6() != null) routes.add(new ClusterView.LocalPod(request.addressV6(), a.hostIfName()));
            pods.put(a.hostIfName(), routes);
            reconcile();
        }
        return a;
    }

    @Override
    public void detach(String containerId, String netns, String ifName) throws PodNetworkException {
        plumbed.detach(containerId, netns, ifName);
        synchronized (this) {
            if (pods.remove(hostIfName(containerId, ifName)) != null) reconcile();
        }
    }

    @Override
    public void check(Attach request) throws PodNetworkException {
        plumbed.check(request);
    }

    @Override
    public String hostIfName(String containerId, String ifName) {
        return plumbed.hostIfName(containerId, ifName);
    }

    private void reconcile() throws PodNetworkException {
        reconciler.setDesired(DesiredStateCalculator.compute(
                config,
                new ClusterView(
                        local,
                        List.of(),
                        pods.values().stream().flatMap(List::stream).toList())));
        ReconcileResult r = reconciler.reconcile();
        if (!r.errors().isEmpty()) {
            throw new PodNetworkException(PodNetworkException.Kind.KERNEL, "reconcile: " + r.errors(), null);
        }
    }
}
