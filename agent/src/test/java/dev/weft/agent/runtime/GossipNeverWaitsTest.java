package dev.weft.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.core.ControllerSettings;
import dev.weft.agent.core.LocalNode;
import dev.weft.agent.core.Reply;
import dev.weft.agent.core.StagedStore;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.nft.NftTable;
import dev.weft.gossip.GossipConfig;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.store.InMemoryIpamStore;
import dev.weft.ipam.store.PersistedState;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 2: three agents (controller, disk writer, kernel worker, real gossip on loopback); one of them has a
 * disk whose every write takes 2 s and an {@code nft} that takes 5 s, and is kept busy with pod churn. Its peers
 * must never suspect it: the failure detector measures the node, not its disk.
 */
class GossipNeverWaitsTest {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/20");

    @Test
    void aSlowDiskAndASlowNftDoNotMakePeersSuspectTheNode() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(3, EpollIoHandler.newFactory());
        List<AutoCloseable> closers = new ArrayList<>();
        List<String> suspicions = new CopyOnWriteArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        List<String> seeds = List.of("a", "b", "c");
        AtomicInteger slowWrites = new AtomicInteger();
        try {
            List<AgentCore> cores = new ArrayList<>();
            List<GossipNode> nodes = new ArrayList<>();
            PeerId slowId = null;
            for (int i = 0; i < 3; i++) {
                boolean slow = i == 0;
                PeerId id = PeerId.random(random);
                if (slow) slowId = id;
                InMemoryIpamStore mem = new InMemoryIpamStore();
                var disk = slow ? new SlowStore(mem, 2_000, slowWrites) : mem;
                StagedStore staged = new StagedStore(disk.load());
                IpamNode ipam = IpamNode.open(IpamConfig.of(RANGE, 16), staged, id, seeds.get(i));
                ipam.bootstrapFromSeeds(seeds);
                InMemoryNetlink kernel = new InMemoryNetlink();
                var eth0 = kernel.createLink(new LinkSpec.Bridge("eth0", 1500, null));
                kernel.updateLink(new LinkUpdate(eth0.index()).up(true));
                DatapathConfig dpc = DatapathConfig.defaults();
                NftTable nft = slow ? new NftTable(List.of("sh", "-c", "sleep 5")) : null;
                LocalNode self = new LocalNode(
                        id,
                        seeds.get(i),
                        1,
                        IpAddress.parse("127.0.0.1"),
                        "eth0",
                        1500,
                        Cidr.parse("127.0.0.0/8"),
                        MacAddress.of(new byte[] {2, 0x57, 0, 0, 0, (byte) i}));
                AgentCore core = new AgentCore(
                        new AgentCore.Parts(
                                self,
                                new ControllerSettings(
                                        seeds, false, false, false, 4789, 4242, 0, Optional.empty(), RANGE),
                                ipam,
                                staged,
                                disk,
                                report -> new DatapathWorker(new Reconciler(kernel, dpc), dpc, nft, null, report),
                                () -> System.nanoTime() / 1_000_000,
                                () -> {}),
                        "t" + i + "-");
                closers.add(0, core);
                GossipListener watch = new GossipListener() {
                    @Override
                    public void onMemberSuspect(MemberView m) {
                        suspicions.add(self.nickname() + " suspects " + m.id());
                    }
                };
                GossipConfig gc = GossipConfig.builder("never-waits", id)
                        .bind(InetAddress.getLoopbackAddress(), 0)
                        .build();
                GossipNode node = GossipNode.create(gc, group, new Tee(core.gossipListener(), watch));
                core.start(node);
                node.start().get(10, TimeUnit.SECONDS);
                closers.add(0, node);
                cores.add(core);
                nodes.add(node);
            }
            InetSocketAddress first = nodes.get(0).localAddress();
            for (int i = 1; i < 3; i++) nodes.get(i).join(List.of(first)).get(10, TimeUnit.SECONDS);

            // keep the slow node busy: pod churn (every ADD/DEL needs a 2 s write) for 15 s
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int n = 0;
            while (System.nanoTime() < end) {
                AttachmentKey key = new AttachmentKey("c" + (n++), "eth0");
                cores.get(0).loop().post("add", c -> c.onAllocate(key, ignore()));
                Thread.sleep(50); // a steady stream of CNI calls, not a wait for a condition
            }
            assertThat(slowWrites.get())
                    .as("the slow disk was written (group commits)")
                    .isGreaterThanOrEqualTo(3);
            PeerId slow = slowId;
            for (int i = 1; i < 3; i++) {
                assertThat(nodes.get(i).status().get(2, TimeUnit.SECONDS).members().stream()
                                .filter(m -> m.id().equals(slow))
                                .findFirst()
                                .orElseThrow()
                                .state()
                                .name())
                        .isEqualTo("ALIVE");
            }
            assertThat(suspicions).as("nobody suspected anybody").isEmpty();
        } finally {
            for (AutoCloseable c : closers) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static <T> Reply<T> ignore() {
        return new Reply<>() {
            @Override
            public void ok(T value) {}

            @Override
            public void fail(Failure failure) {}
        };
    }

    /** A disk whose every write takes {@code delayMs} (a dying SSD, an overloaded NFS server). */
    private record SlowStore(InMemoryIpamStore inner, long delayMs, AtomicInteger writes)
            implements dev.weft.ipam.store.IpamStore {
        @Override
        public Optional<PersistedState> load() throws IOException {
            return inner.load();
        }

        @Override
        public void save(PersistedState state) throws IOException {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            inner.save(state);
            writes.incrementAndGet();
        }

        @Override
        public void delete() throws IOException {
            inner.delete();
        }
    }

    /** Two listeners for one gossip node. */
    private record Tee(GossipListener a, GossipListener b) implements GossipListener {
        @Override
        public void onMemberUp(MemberView m) {
            a.onMemberUp(m);
            b.onMemberUp(m);
        }

        @Override
        public void onMemberSuspect(MemberView m) {
            a.onMemberSuspect(m);
            b.onMemberSuspect(m);
        }

        @Override
        public void onMemberDead(MemberView m) {
            a.onMemberDead(m);
            b.onMemberDead(m);
        }

        @Override
        public void onMemberLeft(MemberView m) {
            a.onMemberLeft(m);
            b.onMemberLeft(m);
        }

        @Override
        public void onRecordChanged(MemberView m) {
            a.onRecordChanged(m);
            b.onRecordChanged(m);
        }

        @Override
        public void onMessage(PeerId from, String topic, byte[] payload) {
            a.onMessage(from, topic, payload);
        }
    }
}
