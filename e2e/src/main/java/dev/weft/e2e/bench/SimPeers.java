package dev.weft.e2e.bench;

import com.google.protobuf.ByteString;
import dev.weft.agent.Version;
import dev.weft.agent.config.SecretFile;
import dev.weft.agent.proto.NodeRecord;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipConfig;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.store.InMemoryIpamStore;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Simulated Weft peers for {@link AgentPeers} (not a test): in one JVM, one real {@link GossipNode} per peer, each
 * bound to its own underlay address, speaking the real gossip protocol with the cluster's secret and name. Each peer
 * takes part in the IPAM ring like an agent: it seeds the ring from the same seed names, claims its seed share, spreads
 * that as a delta, merges the rings and deltas it receives (so the ring digests agree and gossip goes quiet), and
 * publishes a node record with a VTEP MAC, its gateway address in its share and {@code datapaths=[vxlan]}. So a real
 * agent in the same cluster counts it as a member and installs a route per CIDR of its share, an FDB entry and a
 * neighbour entry for it. What a simulated peer does not do: carry pod traffic, answer the sleeve's probes (it offers
 * no sleeve), ask for space, or answer messages.
 *
 * <pre>
 *   SimPeers SECRET_FILE CLUSTER_NAME AGENT_ADDRESS CLUSTER_RANGE RING_SEEDS name=address[,name=address...]
 * </pre>
 *
 * Prints {@code sim peers started: N} once every node is bound and has claimed its share, then runs until killed.
 */
public final class SimPeers {
    /** The agent's ring channel name ({@code GossipAdapter.RING_CHANNEL} in the agent). */
    static final String RING_CHANNEL = "ipam.ring";

    static final int GOSSIP_PORT = 6770;
    static final int VXLAN_PORT = 4789;
    static final int VNI = 4242;
    static final int BLOCK = 64;

    /** Probe every 5 s (timeout 1 s), suspicion x4, gossip every second; the rest as the agent's defaults. */
    static final SwimSettings SIM_SWIM = new SwimSettings(
            Duration.ofSeconds(5),
            Duration.ofSeconds(1),
            3,
            4,
            6,
            Duration.ofSeconds(1),
            3,
            4,
            Duration.ofSeconds(30),
            Duration.ofHours(1),
            1400,
            1024);

    private SimPeers() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: SimPeers SECRET_FILE CLUSTER_NAME AGENT_ADDRESS CLUSTER_RANGE RING_SEEDS "
                    + "name=address[,name=address...]");
            System.exit(2);
        }
        List<byte[]> keys = SecretFile.read(Path.of(args[0])).keys();
        String cluster = args[1];
        InetSocketAddress agent = new InetSocketAddress(InetAddress.getByName(args[2]), GOSSIP_PORT);
        Cidr range = Cidr.parse(args[3]);
        List<String> ringSeeds = Arrays.asList(args[4].split(","));
        // two threads for every simulated peer's gossip (the agent has one for its own)
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                2, Thread.ofPlatform().name("sim-gossip").daemon().factory(), EpollIoHandler.newFactory());
        // ring merges run here, never on gossip's threads (as in the agent)
        ExecutorService ringThread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("sim-ring").daemon().factory());
        SecureRandom random = new SecureRandom();
        List<Peer> peers = new ArrayList<>();
        for (String spec : args[5].split(",")) {
            String[] nameAddr = spec.split("=", 2);
            Peer p = new Peer(
                    nameAddr[0],
                    InetAddress.getByName(nameAddr[1]),
                    PeerId.random(random),
                    range,
                    ringSeeds,
                    ringThread);
            p.start(cluster, keys, agent, group, random);
            peers.add(p);
        }
        System.out.println("sim peers started: " + peers.size());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Peer p : peers) p.node.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }));
        Thread.currentThread().join();
    }

    /** One simulated peer: its ring replica, its gossip node, its record. */
    static final class Peer implements CrdtChannel {
        private final String name;
        private final InetAddress address;
        private final PeerId id;
        private final IpamNode ipam;
        private final ExecutorService ringThread;
        private volatile byte[] ringState;
        private GossipNode node;

        Peer(String name, InetAddress address, PeerId id, Cidr range, List<String> seeds, ExecutorService ringThread)
                throws IOException {
            this.name = name;
            this.address = address;
            this.id = id;
            this.ringThread = ringThread;
            this.ipam = IpamNode.open(IpamConfig.of(range, BLOCK), new InMemoryIpamStore(), id, name);
            ipam.bootstrapFromSeeds(seeds);
            ipam.claimSeedShare();
            this.ringState = ipam.localRingBytes().orElseThrow();
        }

        void start(
                String cluster,
                List<byte[]> keys,
                InetSocketAddress agent,
                MultiThreadIoEventLoopGroup group,
                SecureRandom r)
                throws Exception {
            GossipConfig cfg = GossipConfig.builder(cluster, id)
                    .bind(address, GOSSIP_PORT)
                    .advertiseAddress(new InetSocketAddress(address, GOSSIP_PORT))
                    .seeds(List.of(agent))
                    .secrets(keys)
                    // 99 nodes share two threads of a loaded machine: they probe and gossip among themselves 5 times
                    // less often than agents do, so their CPU goes to answering the measured agent in time
                    .swim(SIM_SWIM)
                    .tickInterval(Duration.ofMillis(50))
                    .build();
            node = GossipNode.create(cfg, group, new GossipListener() {});
            node.registerChannel(RING_CHANNEL, this);
            node.setLocalRecord(record(r));
            node.start().get(30, TimeUnit.SECONDS);
            ipam.takeOutgoingDelta().ifPresent(d -> node.publishDelta(RING_CHANNEL, d));
            node.channelUpdated(RING_CHANNEL);
        }

        private byte[] record(SecureRandom r) {
            byte[] mac = new byte[6];
            r.nextBytes(mac);
            mac[0] = (byte) ((mac[0] & 0xfe) | 0x02); // locally administered unicast
            IpAddress gateway = ipam.gateway().orElseThrow(() -> new IllegalStateException(name + " owns no range"));
            return NodeRecord.newBuilder()
                    .setPeerId(id.toString())
                    .setNickname(name)
                    .setIncarnation(1)
                    .addUnderlayAddresses(address.getHostAddress())
                    .setUnderlaySubnet("198.51.100.0/24")
                    .setVtepMac(ByteString.copyFrom(mac))
                    .setVtepAddress(gateway.toString())
                    .addDatapaths("vxlan")
                    .setAgentVersion(Version.get())
                    .setVxlanPort(VXLAN_PORT)
                    .setVni(VNI)
                    .setIpamFree(ipam.localFree())
                    .setReady(true)
                    .setRecordVersion(1)
                    .build()
                    .toByteArray();
        }

        @Override
        public byte[] localState() {
            return ringState;
        }

        @Override
        public void receive(PeerId from, byte[] state) {
            ringThread.execute(() -> merge(state, false));
        }

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            ringThread.execute(() -> merge(delta, true));
        }

        private void merge(byte[] bytes, boolean delta) {
            try {
                var u = delta ? ipam.applyRemoteDelta(bytes) : ipam.applyRemoteRing(bytes);
                if (u.changed()) {
                    ringState = ipam.localRingBytes().orElse(ringState);
                    node.channelUpdated(RING_CHANNEL);
                }
            } catch (IOException | RuntimeException e) {
                System.err.println(name + ": refused a ring update: " + e);
            }
        }
    }
}
