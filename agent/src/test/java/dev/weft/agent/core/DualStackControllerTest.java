package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.proto.NodeRecord;
import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.store.PersistedState;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Dual stack in the controller: one ring per family, each with its own state writes, ring channel and space-message
 * topics; a pod gets one address per family; two nodes share both ranges through donation.
 */
class DualStackControllerTest {
    static final Cidr V4 = Cidr.parse("198.18.0.0/20");
    static final Cidr V6 = Cidr.parse("2001:db8:18::/112");

    long now = 10_000;

    /** A node whose effects are kept until the test delivers them. */
    final class Node implements Effects {
        final PeerId id;
        final String name;
        final int index;
        final AgentController c;
        final List<PersistedState> v4Writes = new ArrayList<>();
        final List<Long> v4Seqs = new ArrayList<>();
        final List<Long> v6Seqs = new ArrayList<>();
        final List<DatapathRequest> applies = new ArrayList<>();
        final List<RecordingEffects.Sent> sent = new ArrayList<>();
        byte[] record;
        byte[] ringState;
        byte[] ringStateV6;
        int deltas;
        int deltasV6;

        Node(String name, int index) throws Exception {
            this.id = PeerId.of(0xa0 + index);
            this.name = name;
            this.index = index;
            StagedStore s4 = new StagedStore(Optional.empty());
            StagedStore s6 = new StagedStore(Optional.empty());
            IpamNode v4 = IpamNode.open(IpamConfig.of(V4, 16), s4, id, name);
            IpamNode v6 = IpamNode.open(IpamConfig.of(V6, 256), s6, id, name);
            v4.bootstrapFromSeeds(List.of("a"));
            v6.bootstrapFromSeeds(List.of("a"));
            LocalNode self = new LocalNode(
                    id,
                    name,
                    1,
                    IpAddress.parse("192.0.2." + index),
                    "eth0",
                    1500,
                    Cidr.parse("192.0.2.0/24"),
                    MacAddress.parse("02:57:00:00:00:0" + index));
            ControllerSettings settings = new ControllerSettings(
                    List.of("a"), false, false, false, 4789, 4242, 6770, Optional.empty(), V4, V6);
            c = new AgentController(self, settings, v4, s4, v6, s6, this, now);
        }

        @Override
        public void persist(long seq, PersistedState state) {
            v4Seqs.add(seq);
        }

        @Override
        public void persistV6(long seq, PersistedState state) {
            v6Seqs.add(seq);
        }

        @Override
        public void applyDatapath(DatapathRequest request) {
            applies.add(request);
        }

        @Override
        public void publishRecord(byte[] r) {
            record = r;
        }

        @Override
        public void publishRingState(byte[] s) {
            ringState = s;
        }

        @Override
        public void publishRingDelta(byte[] d) {
            deltas++;
        }

        @Override
        public void publishRingStateV6(byte[] s) {
            ringStateV6 = s;
        }

        @Override
        public void publishRingDeltaV6(byte[] d) {
            deltasV6++;
        }

        @Override
        public void send(PeerId to, String topic, byte[] payload) {
            sent.add(new RecordingEffects.Sent(to, topic, payload));
        }

        @Override
        public void forgetPathHealth(PeerId peer) {}

        @Override
        public void restartAsNewPeer() {}

        /** Completes every pending write of both families (in the order the disk would). */
        void writeAll() {
            while (!v4Seqs.isEmpty() || !v6Seqs.isEmpty()) {
                if (!v4Seqs.isEmpty()) c.onPersisted(v4Seqs.removeFirst());
                if (!v6Seqs.isEmpty()) c.onPersistedV6(v6Seqs.removeFirst());
            }
        }

        void applyAll() {
            while (!applies.isEmpty()) {
                var r = applies.removeFirst();
                DesiredState d = DesiredStateCalculator.compute(DatapathConfig.defaults(), r.view());
                c.onDatapathApplied(r.seq(), d, new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), 0));
            }
        }

        MemberView member() {
            return new MemberView(
                    id, new InetSocketAddress("192.0.2." + index, 6770), MemberState.ALIVE, 1, record, 0, 0);
        }

        IpAddress allocate(AttachmentKey key, boolean v6) {
            List<Object> answers = new ArrayList<>();
            if (v6) c.onAllocateV6(key, AgentControllerTest.into(answers));
            else c.onAllocate(key, AgentControllerTest.into(answers));
            writeAll();
            assertThat(answers).singleElement().isInstanceOf(AllocationResult.Allocated.class);
            return ((AllocationResult.Allocated) answers.getFirst()).address();
        }
    }

    Node ready(Node n) {
        now += 4_000;
        n.c.onTick(now);
        n.writeAll();
        n.applyAll();
        return n;
    }

    @Test
    void aSeedClaimsItsShareOfBothRingsEachInItsOwnStateAndChannel() throws Exception {
        Node a = new Node("a", 1);
        assertThat(a.c.problems())
                .anyMatch(p -> p.startsWith("IPv4 ring: "))
                .anyMatch(p -> p.startsWith("IPv6 ring: "));
        now += 4_000;
        a.c.onTick(now);
        assertThat(a.v4Seqs).as("the IPv4 ring's claim is written to its file").isNotEmpty();
        assertThat(a.v6Seqs)
                .as("the IPv6 ring's claim is written to its own file")
                .isNotEmpty();
        assertThat(a.deltas + a.deltasV6)
                .as("nothing published before the writes")
                .isZero();
        a.writeAll();
        assertThat(a.deltas).isEqualTo(1);
        assertThat(a.deltasV6).isEqualTo(1);
        a.applyAll();
        assertThat(a.c.problems()).isEmpty();
        assertThat(a.c.ipam().ownedCidrs()).containsExactly(V4);
        assertThat(a.c.ipamV6().orElseThrow().ownedCidrs()).containsExactly(V6);
        NodeRecord r = NodeRecord.parseFrom(a.record);
        assertThat(r.getVtepAddress()).isEqualTo("198.18.0.1");
        assertThat(r.getVtepAddressV6()).isEqualTo("2001:db8:18::1");
        assertThat(r.getIpamFreeV6()).isPositive();
        ControllerSnapshot s = a.c.snapshot();
        assertThat(s.ipam().clusterRange()).isEqualTo(V4);
        assertThat(s.ipamV6().orElseThrow().clusterRange()).isEqualTo(V6);
    }

    @Test
    void aPodGetsOneAddressPerFamilyRoutedToItsVethAndDelFreesBoth() throws Exception {
        Node a = ready(new Node("a", 1));
        AttachmentKey key = new AttachmentKey("c1", "eth0");
        IpAddress v4 = a.allocate(key, false);
        IpAddress v6 = a.allocate(key, true);
        assertThat(V4.contains(v4)).isTrue();
        assertThat(V6.contains(v6)).isTrue();
        assertThat(a.allocate(key, true)).as("a repeated ADD keeps the address").isEqualTo(v6);

        a.applyAll(); // the apply in flight since the first allocation
        List<Object> plumbed = new ArrayList<>();
        a.c.onPodPlumbed(key, AgentControllerTest.into(plumbed));
        DatapathRequest req = a.applies.getLast();
        assertThat(req.view().pods()).extracting(ClusterView.LocalPod::address).containsExactlyInAnyOrder(v4, v6);
        assertThat(req.clusterRanges()).containsExactly(V4, V6);
        assertThat(plumbed).isEmpty();
        a.applyAll();
        assertThat(plumbed).as("answered once both host routes are applied").hasSize(1);

        List<Object> lookups = new ArrayList<>();
        a.c.onLookupV6(key, AgentControllerTest.into(lookups));
        assertThat(lookups).containsExactly(Optional.of(v6));
        List<Object> released = new ArrayList<>();
        a.c.onRelease(key, AgentControllerTest.into(released));
        assertThat(released).as("not before both writes").isEmpty();
        a.writeAll();
        assertThat(released).containsExactly(true);
        assertThat(a.c.ipam().lookup("c1", "eth0")).isEmpty();
        assertThat(a.c.ipamV6().orElseThrow().lookup("c1", "eth0")).isEmpty();
    }

    @Test
    void aJoiningNodeGetsSpaceInBothFamiliesOverTheirOwnTopics() throws Exception {
        Node a = ready(new Node("a", 1));
        Node b = new Node("b", 2);
        b.c.onTick(now);
        b.writeAll();
        // gossip: records and both rings
        a.c.onMember(b.member());
        b.c.onMember(a.member());
        b.c.onRingState(a.id, a.ringState);
        b.c.onRingStateV6(a.id, a.ringStateV6);
        now += 1_000;
        b.c.onTick(now);
        b.writeAll();
        assertThat(b.sent)
                .extracting(RecordingEffects.Sent::topic)
                .containsExactlyInAnyOrder(RingRole.TOPIC_SPACE_REQUEST, RingRole.TOPIC_SPACE_REQUEST + ".v6");
        for (var m : List.copyOf(b.sent)) a.c.onMessage(b.id, m.topic(), m.payload());
        b.sent.clear();
        a.writeAll();
        assertThat(a.sent)
                .extracting(RecordingEffects.Sent::topic)
                .containsExactlyInAnyOrder(RingRole.TOPIC_SPACE_GRANT, RingRole.TOPIC_SPACE_GRANT + ".v6");
        for (var m : List.copyOf(a.sent)) b.c.onMessage(a.id, m.topic(), m.payload());
        b.writeAll();
        b.applyAll();
        assertThat(b.c.ipam().ownedCidrs()).isNotEmpty().allMatch(Cidr::isIpv4);
        assertThat(b.c.ipamV6().orElseThrow().ownedCidrs()).isNotEmpty().noneMatch(Cidr::isIpv4);
        assertThat(b.c.problems()).isEmpty();

        IpAddress a4 = a.allocate(new AttachmentKey("pa", "eth0"), false);
        IpAddress a6 = a.allocate(new AttachmentKey("pa", "eth0"), true);
        IpAddress b4 = b.allocate(new AttachmentKey("pb", "eth0"), false);
        IpAddress b6 = b.allocate(new AttachmentKey("pb", "eth0"), true);
        assertThat(List.of(a4, a6, b4, b6)).doesNotHaveDuplicates();
        assertThat(a.c.ipamV6().orElseThrow().ownedCidrs()).noneMatch(c -> c.contains(b6));

        // A routes both of B's families to B, with B's IPv6 gateway as the next hop of its IPv6 ranges
        a.c.onMember(b.member());
        ClusterView view = a.c.view();
        assertThat(view.local().vtepAddressV6()).isEqualTo(IpAddress.parse("2001:db8:18::1"));
        assertThat(view.peers()).singleElement().satisfies(p -> {
            assertThat(p.cidrs()).anyMatch(c -> c.contains(b4)).anyMatch(c -> c.contains(b6));
            assertThat(p.vtepAddressV6()).isNotNull();
            assertThat(p.cidrs().stream()
                            .filter(c -> c.contains(b6))
                            .findFirst()
                            .orElseThrow()
                            .contains(p.vtepAddressV6()))
                    .isTrue();
        });
    }
}
