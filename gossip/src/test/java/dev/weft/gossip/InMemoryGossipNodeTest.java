package dev.weft.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.transport.InMemoryNetwork;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The facade over the in-memory transport (real executors and clock, no sockets): 20 members. */
class InMemoryGossipNodeTest {
    private final List<ScheduledExecutorService> executors = new ArrayList<>();
    private final ScheduledExecutorService timer = newExecutor();
    private final InMemoryNetwork net = new InMemoryNetwork(timer, new Random(3));
    private final List<GossipNode> nodes = new ArrayList<>();
    private final List<MaxRegister> channels = new ArrayList<>();
    private final Map<PeerId, Map<PeerId, MemberState>> views = new ConcurrentHashMap<>();

    private ScheduledExecutorService newExecutor() {
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor();
        executors.add(e);
        return e;
    }

    /**
     * A max register: the simplest CRDT, owned the way the agent owns the ring: gossip hands states over and
     * returns; the owner merges on its own thread and tells gossip what it learned (re-pushing full state, as
     * this test's change is not published as a delta).
     */
    final class MaxRegister implements CrdtChannel {
        final ScheduledExecutorService owner = newExecutor();
        volatile GossipNode node;
        volatile long value;
        private volatile byte[] cached = encode(0);

        static byte[] encode(long v) {
            return ByteBuffer.allocate(8).putLong(v).array();
        }

        void set(long v) {
            owner.execute(() -> {
                value = v;
                cached = encode(v);
                node.channelUpdated("max", true);
            });
        }

        @Override
        public byte[] localState() {
            return cached;
        }

        @Override
        public void receive(PeerId from, byte[] remote) {
            long v = ByteBuffer.wrap(remote).getLong();
            owner.execute(() -> {
                if (v > value) {
                    value = v;
                    cached = encode(v);
                    node.channelUpdated("max", true);
                }
            });
        }

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            receive(from, delta);
        }
    }

    private static InetSocketAddress addr(int i) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) (i + 1)}), 6770);
    }

    private static PeerId id(int i) {
        return PeerId.of(0x1000 + i);
    }

    private GossipNode start(int i, List<InetSocketAddress> seeds) throws Exception {
        PeerId id = id(i);
        Map<PeerId, MemberState> view = new ConcurrentHashMap<>();
        views.put(id, view);
        GossipListener l = new GossipListener() {
            @Override
            public void onMemberUp(MemberView m) {
                view.put(m.id(), MemberState.ALIVE);
            }

            @Override
            public void onMemberSuspect(MemberView m) {
                view.put(m.id(), MemberState.SUSPECT);
            }

            @Override
            public void onMemberDead(MemberView m) {
                view.put(m.id(), MemberState.DEAD);
            }
        };
        GossipConfig cfg = GossipConfig.builder("mem", id)
                .advertiseAddress(addr(i))
                .bindAddress(addr(i))
                .seeds(seeds)
                .secrets(List.of("in-memory-secret-0123456789".getBytes()))
                .build();
        WireCounters counters = new WireCounters();
        GossipNode n = new GossipNode(
                cfg,
                net.transport(addr(i), cfg.maxUdpPayload(), cfg.maxStreamFrameBytes()),
                newExecutor(),
                l,
                System::nanoTime,
                Clock.systemUTC(),
                new Random(i),
                counters);
        MaxRegister reg = new MaxRegister();
        reg.node = n;
        n.registerChannel("max", reg);
        n.start().get(5, TimeUnit.SECONDS);
        nodes.add(n);
        channels.add(reg);
        return n;
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(GossipNode::close);
        executors.forEach(ScheduledExecutorService::shutdownNow);
    }

    /** Waits (Awaitility) until {@code cond} holds, at most {@code max}; returns how long it took in ms. */
    private static long waitFor(Callable<Boolean> cond, Duration max) {
        long start = System.nanoTime();
        await().atMost(max).pollInterval(Duration.ofMillis(10)).until(cond);
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void secretRotationWithoutDowntime() throws Exception {
        int n = 5;
        start(0, List.of());
        for (int i = 1; i < n; i++) {
            start(i, List.of(addr(0)));
        }
        waitFor(
                () -> views.values().stream()
                        .allMatch(v -> v.values().stream()
                                        .filter(s -> s == MemberState.ALIVE)
                                        .count()
                                == n - 1),
                Duration.ofSeconds(10));
        byte[] oldSecret = "in-memory-secret-0123456789".getBytes();
        byte[] newSecret = "the-next-secret-abcdefghijk".getBytes();
        // step by step, member by member, with protocol traffic flowing in between
        for (List<byte[]> ring :
                List.of(List.of(oldSecret, newSecret), List.of(newSecret, oldSecret), List.of(newSecret))) {
            for (GossipNode node : nodes) {
                node.setSecrets(ring);
                TimeUnit.MILLISECONDS.sleep(300); // let probes run between members' steps (not a wait for a condition)
            }
        }
        // a couple of probe rounds under the final key only
        long before = nodes.get(0).counters().packetsReceived();
        waitFor(() -> nodes.get(0).counters().packetsReceived() > before + 6, Duration.ofSeconds(10));
        views.forEach((id, v) -> v.forEach(
                (other, s) -> assertThat(s).as("%s sees %s", id, other).isEqualTo(MemberState.ALIVE)));
        assertThat(nodes.stream()
                        .mapToLong(x -> x.counters().dropped(dev.weft.gossip.wire.DropReason.UNKNOWN_KEY))
                        .sum())
                .as("no packet was sealed with a key the receiver lacked")
                .isZero();
    }

    @Test
    void twentyMembersConvergeShareAChannelAndDetectAHungMemberUnderLoss() throws Exception {
        int n = 20;
        start(0, List.of());
        for (int i = 1; i < n; i++) {
            start(i, List.of(addr(0), addr(i - 1)));
        }
        long conv = waitFor(
                () -> views.values().stream()
                        .allMatch(v -> v.values().stream()
                                        .filter(s -> s == MemberState.ALIVE)
                                        .count()
                                == n - 1),
                Duration.ofSeconds(10));

        channels.get(5).set(42);
        long ch = waitFor(() -> channels.stream().allMatch(c -> c.value == 42), Duration.ofSeconds(5));

        net.setLoss(0.05);
        net.setHung(addr(7), true);
        long hung = waitFor(
                () -> views.entrySet().stream()
                        .filter(e -> !e.getKey().equals(id(7)))
                        .allMatch(e -> e.getValue().get(id(7)) == MemberState.DEAD),
                Duration.ofSeconds(20));
        System.out.printf(
                "in-memory N=20: converged %d ms, channel %d ms, hung member dead at all (5%% loss) %d ms%n",
                conv, ch, hung);
        assertThat(hung).as("hung detection").isBetween(0L, 12_000L);
        // nobody else was declared dead
        views.forEach((peer, v) -> v.forEach((other, s) -> {
            if (!other.equals(id(7)) && !peer.equals(id(7))) {
                assertThat(s).as("%s sees %s", peer, other).isNotEqualTo(MemberState.DEAD);
            }
        }));
    }
}
