package dev.weft.datapath.sleeve;

import static org.awaitility.Awaitility.await;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Test lab: two node namespaces joined by a veth underlay (192.0.2.1/24 - 192.0.2.2/24). Node i has
 * a "pod" address 198.18.i.10/32 on lo, VTEP address 198.18.i.1 and pod range 198.18.i.0/24.
 * Either node can run a sleeve (TUN) or a kernel VXLAN device; everything is removed on close.
 */
final class SleeveLab implements AutoCloseable {
    static final int VNI = 42;
    static final ThreadFactory PLATFORM = Thread.ofPlatform().daemon().factory();

    final TestNetns netns = new TestNetns();
    final String[] ns = new String[3];
    final NetlinkNamespace[] nl = new NetlinkNamespace[3];
    final List<SleeveBackend> sleeves = new ArrayList<>();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());

    SleeveLab() {
        try {
            ns[1] = netns.create("a");
            ns[2] = netns.create("b");
            TestNetns.run("ip", "-n", ns[1], "link", "add", "ul", "type", "veth", "peer", "name", "ul", "netns", ns[2]);
            for (int i = 1; i <= 2; i++) {
                TestNetns.run("ip", "-n", ns[i], "addr", "add", "192.0.2." + i + "/24", "dev", "ul");
                TestNetns.run("ip", "-n", ns[i], "link", "set", "ul", "up");
                TestNetns.run("ip", "-n", ns[i], "addr", "add", pod(i) + "/32", "dev", "lo");
                nl[i] = NetlinkNamespace.open(TestNetns.path(ns[i]), PLATFORM);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static String pod(int i) {
        return "198.18." + i + ".10";
    }

    static IpAddress vtep(int i) {
        return IpAddress.parse("198.18." + i + ".1");
    }

    static MacAddress mac(int i) {
        return MacAddress.parse("02:57:00:00:00:0" + i);
    }

    static long peerId(int i) {
        return 0x1000L + i;
    }

    static SleevePeer peerSpec(int i, byte[] publicKey) {
        return new SleevePeer(
                peerId(i),
                IpAddress.parse("192.0.2." + i),
                vtep(i),
                mac(i),
                List.of(Cidr.parse("198.18." + i + ".0/24")),
                publicKey);
    }

    /** Starts a sleeve on node i inside its namespace. */
    SleeveBackend sleeve(int i, SleeveCrypto crypto, int queues) {
        return sleeve(
                SleeveConfig.plain(peerId(i), vtep(i), mac(i), VNI)
                        .withCrypto(crypto)
                        .withQueues(queues),
                i);
    }

    SleeveBackend sleeve(SleeveConfig cfg, int i) {
        SleeveBackend b =
                nl[i].call(() -> SleeveBackend.start(cfg, group, PLATFORM, InstantSource.system(), new SecureRandom()));
        sleeves.add(b);
        return b;
    }

    /** Adds the peer to a sleeve and routes its ranges into the TUN device. */
    void connect(SleeveBackend b, int node, SleevePeer peer) {
        b.upsertPeer(peer);
        for (Route r : SleeveRoutes.forPeer(peer, b.ifindex()))
            nl[node].netlink().addRoute(r, true);
    }

    /** A kernel VXLAN device on node i, Flannel style, with static entries for peer j's VTEP. */
    void kernelVxlan(int i, int j) {
        String n = ns[i];
        TestNetns.run(
                "ip",
                "-n",
                n,
                "link",
                "add",
                "weft.vxlan",
                "address",
                mac(i).toString(),
                "type",
                "vxlan",
                "id",
                String.valueOf(VNI),
                "dstport",
                "4789",
                "local",
                "192.0.2." + i,
                "dev",
                "ul",
                "nolearning");
        TestNetns.run("ip", "-n", n, "link", "set", "weft.vxlan", "mtu", "1450", "up");
        TestNetns.run("ip", "-n", n, "addr", "add", vtep(i) + "/32", "dev", "weft.vxlan");
        TestNetns.run(
                "ip",
                "-n",
                n,
                "neigh",
                "add",
                vtep(j).toString(),
                "lladdr",
                mac(j).toString(),
                "dev",
                "weft.vxlan",
                "nud",
                "permanent");
        TestNetns.run(
                "bridge", "-n", n, "fdb", "append", mac(j).toString(), "dev", "weft.vxlan", "dst", "192.0.2." + j);
        TestNetns.run(
                "ip",
                "-n",
                n,
                "route",
                "add",
                "198.18." + j + ".0/24",
                "via",
                vtep(j).toString(),
                "dev",
                "weft.vxlan",
                "onlink");
    }

    /** ping from node i's pod address to node j's; true when all replies arrive. */
    boolean ping(int i, int j, int count) {
        TestNetns.Result r = TestNetns.execIn(
                ns[i], "ping", "-c", String.valueOf(count), "-i", "0.2", "-W", "1", "-I", pod(i), pod(j));
        return r.exit() == 0;
    }

    /** Waits until one ping gets through (the first may be lost while things settle); fails after 10 s. */
    void awaitPing(int i, int j) {
        await("pod " + i + " pings pod " + j)
                .atMost(Duration.ofSeconds(10))
                .pollInSameThread()
                .until(() -> TestNetns.execIn(ns[i], "ping", "-c", "1", "-W", "1", "-I", pod(i), pod(j))
                                .exit()
                        == 0);
    }

    /** Runs iperf3 TCP from node i's pod to node j's pod for {@code seconds}; returns bits/s received. */
    double iperf(int i, int j, int seconds, int streams) {
        Process server = null;
        try {
            server = new ProcessBuilder("ip", "netns", "exec", ns[j], "iperf3", "-s", "-1", "-B", pod(j))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            // the one-shot server may not listen yet: retry the client until it gets an answer
            TestNetns.Result r = await("iperf3 from pod " + i + " to pod " + j)
                    .atMost(Duration.ofSeconds(10))
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> TestNetns.execIn(
                                    ns[i],
                                    "iperf3",
                                    "-J",
                                    "-c",
                                    pod(j),
                                    "-B",
                                    pod(i),
                                    "-t",
                                    String.valueOf(seconds),
                                    "-P",
                                    String.valueOf(streams)),
                            res -> res.exit() == 0 && !res.out().contains("\"error\""));
            return IperfJson.receivedBitsPerSecond(r.out());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            if (server != null) server.destroyForcibly();
        }
    }

    @Override
    public void close() {
        for (SleeveBackend b : sleeves) {
            try {
                b.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        for (NetlinkNamespace n : nl) if (n != null) n.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        netns.close();
    }
}
