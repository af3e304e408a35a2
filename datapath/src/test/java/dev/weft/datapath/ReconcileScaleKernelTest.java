package dev.weft.datapath;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Measurement (prints, no timing assertion): a full reconcile with 500 VXLAN peers in a namespace,
 * then a no-op reconcile and a repair after the device was deleted. Checks the entry counts.
 */
@Tag("kernel")
class ReconcileScaleKernelTest {
    static final int PEERS = 500;

    @Test
    void fiveHundredPeers() {
        List<RemotePeer> peers = new ArrayList<>();
        IpAddress base = IpAddress.parse("198.18.0.0");
        for (int i = 0; i < PEERS; i++) {
            String underlay = i < 250 ? "192.0.2." + (i + 2) : "198.51.100." + (i - 248);
            IpAddress net = base.plus(64L * i);
            peers.add(new RemotePeer(
                    "peer" + i,
                    IpAddress.parse(underlay),
                    MacAddress.of(new byte[] {2, 0x57, 0, 0, (byte) (i >> 8), (byte) i}),
                    net.plus(1),
                    List.of(Cidr.of(net, 26)),
                    false,
                    Set.of(DatapathMode.VXLAN)));
        }
        LocalNode local = new LocalNode(
                "self",
                IpAddress.parse("192.0.2.1"),
                "ul0",
                1500,
                MacAddress.parse("02:57:ff:ff:ff:01"),
                IpAddress.parse("198.19.255.1"));
        ClusterView view = new ClusterView(local, peers, List.of());

        try (TestNetns t = new TestNetns()) {
            String ns = t.create("scale");
            in(ns, "ip", "link", "add", "ul0", "type", "bridge");
            in(ns, "ip", "addr", "add", "192.0.2.1/24", "dev", "ul0");
            in(ns, "ip", "link", "set", "ul0", "up");
            try (NetlinkNamespace nl = NetlinkNamespace.open(
                    TestNetns.path(ns), Thread.ofPlatform().daemon().factory())) {
                DatapathConfig cfg = DatapathConfig.defaults();
                long c0 = System.nanoTime();
                DesiredState desired = DesiredStateCalculator.compute(cfg, view);
                long computeNs = System.nanoTime() - c0;
                Reconciler r = new Reconciler(nl.netlink(), cfg);
                r.setDesired(desired);

                ReconcileResult full = r.reconcile();
                assertThat(full.errors()).isEmpty();
                assertThat(full.added(EntryKind.ROUTE)).isEqualTo(PEERS);
                assertThat(full.added(EntryKind.FDB)).isEqualTo(PEERS);
                assertThat(full.added(EntryKind.NEIGHBOUR)).isEqualTo(PEERS);
                assertThat(nl.netlink().routes(Rtnl.AF_INET).stream()
                                .filter(x -> x.protocol() == cfg.routeProtocol())
                                .count())
                        .isEqualTo(PEERS);

                ReconcileResult noop = r.reconcile();
                assertThat(noop.totalChanges()).isZero();

                in(ns, "ip", "link", "del", "weft.vxlan");
                ReconcileResult repair = r.reconcile();
                assertThat(repair.repaired(EntryKind.ROUTE)).isEqualTo(PEERS);

                System.out.printf(
                        "MEASURE datapath peers=%d compute=%.1fms fullReconcile=%.1fms noopReconcile=%.1fms "
                                + "repairAfterDeviceDelete=%.1fms%n",
                        PEERS,
                        computeNs / 1e6,
                        full.durationNanos() / 1e6,
                        noop.durationNanos() / 1e6,
                        repair.durationNanos() / 1e6);
            }
        }
    }
}
