package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.agent.proto.NodeRecord;
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
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The controller driven by hand: events in, effects out, nothing happens until the test completes an effect. */
class AgentControllerTest {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/20");
    static final PeerId SELF = PeerId.of(0xa1);
    static final PeerId OTHER = PeerId.of(0xb2);

    final RecordingEffects fx = new RecordingEffects();
    long now = 10_000;

    /** Node "a" of the controller tests: underlay 192.0.2.1/24 on eth0, MTU 1500, VTEP MAC 02:57:00:00:00:01. */
    static LocalNode nodeA(PeerId id) {
        return new LocalNode(
                id,
                "a",
                1,
                IpAddress.parse("192.0.2.1"),
                "eth0",
                1500,
                Cidr.parse("192.0.2.0/24"),
                MacAddress.parse("02:57:00:00:00:01"));
    }

    AgentController controller(boolean podCidrMode) throws Exception {
        StagedStore staged = new StagedStore(Optional.empty());
        IpamNode ipam =
                IpamNode.open(IpamConfig.of(podCidrMode ? Cidr.parse("198.18.1.0/24") : RANGE, 16), staged, SELF, "a");
        if (podCidrMode) {
            ipam.bootstrapAsCreator("podcidr");
            ipam.markSynced();
        } else {
            ipam.bootstrapFromSeeds(List.of("a"));
        }
        LocalNode self = nodeA(SELF);
        ControllerSettings settings = new ControllerSettings(
                podCidrMode ? List.of() : List.of("a"),
                false,
                podCidrMode,
                false,
                4789,
                4242,
                6770,
                Optional.empty(),
                RANGE);
        return new AgentController(self, settings, ipam, staged, fx, now);
    }

    /** Alone for a few seconds: the seed claims its share; completes the writes and the first apply. */
    AgentController ready() throws Exception {
        AgentController c = controller(false);
        now += 4_000;
        c.onTick(now);
        writeAll(c);
        applyAll(c);
        return c;
    }

    void writeAll(AgentController c) {
        while (!fx.persists.isEmpty()) {
            var p = fx.persists.removeFirst();
            c.onPersisted(p.seq());
        }
    }

    void applyAll(AgentController c) {
        while (!fx.applies.isEmpty()) {
            var r = fx.applies.removeFirst();
            DesiredState d = DesiredStateCalculator.compute(DatapathConfig.defaults(), r.view());
            c.onDatapathApplied(r.seq(), d, new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), 0));
        }
    }

    static <T> Reply<T> into(List<Object> answers) {
        return new Reply<>() {
            @Override
            public void ok(T value) {
                answers.add(value);
            }

            @Override
            public void fail(Failure f) {
                answers.add(f);
            }
        };
    }

    @Test
    void anAddressIsAnsweredOnlyOnceItsAllocationIsOnDisk() throws Exception {
        AgentController c = ready();
        List<Object> answers = new ArrayList<>();
        c.onAllocate(new AttachmentKey("c1", "eth0"), into(answers));
        assertThat(answers).as("nothing before the write").isEmpty();
        assertThat(fx.persists).hasSize(1);
        c.onPersisted(fx.lastPersist().seq());
        assertThat(answers).singleElement().isInstanceOf(AllocationResult.Allocated.class);
    }

    @Test
    void writesCoalesceWhileOneIsInFlight() throws Exception {
        AgentController c = ready();
        List<Object> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) c.onAllocate(new AttachmentKey("c" + i, "eth0"), into(answers));
        assertThat(fx.persists).as("one write in flight, the rest wait for it").hasSize(1);
        c.onPersisted(fx.persists.removeFirst().seq());
        assertThat(answers).hasSize(1);
        assertThat(fx.persists).as("the other nine in one write").hasSize(1);
        c.onPersisted(fx.persists.removeFirst().seq());
        assertThat(answers).hasSize(10).allMatch(a -> a instanceof AllocationResult.Allocated);
    }

    @Test
    void aFailedWriteIsADiskErrorAndIsRetriedOnTheNextTick() throws Exception {
        AgentController c = ready();
        List<Object> answers = new ArrayList<>();
        c.onAllocate(new AttachmentKey("c1", "eth0"), into(answers));
        c.onPersistFailed(fx.persists.removeFirst().seq(), "ENOSPC");
        assertThat(answers).singleElement().isInstanceOf(Reply.Failure.Disk.class);
        assertThat(c.problems()).anyMatch(p -> p.contains("cannot be saved"));
        assertThat(fx.persists).as("not hammered between ticks").isEmpty();
        now += 1_000;
        c.onTick(now);
        assertThat(fx.persists).hasSize(1);
        c.onPersisted(fx.persists.removeFirst().seq());
        assertThat(c.problems()).noneMatch(p -> p.contains("cannot be saved"));
    }

    @Test
    void aPlumbedPodIsAnsweredOnlyAfterTheApplyThatRoutesIt() throws Exception {
        AgentController c = ready();
        List<Object> answers = new ArrayList<>();
        AttachmentKey key = new AttachmentKey("c1", "eth0");
        c.onAllocate(key, into(answers));
        writeAll(c);
        applyAll(c);
        IpAddress a = ((AllocationResult.Allocated) answers.getFirst()).address();
        c.onPodPlumbed(key, into(answers));
        assertThat(answers).hasSize(1);
        assertThat(fx.applies)
                .singleElement()
                .satisfies(r ->
                        assertThat(r.view().pods()).anyMatch(p -> p.address().equals(a)));
        applyAll(c);
        assertThat(answers).hasSize(2).last().isNull();
    }

    @Test
    void podChurnNeverChangesTheRing() throws Exception {
        AgentController c = ready();
        int states = fx.ringStates.size();
        int deltas = fx.deltas.size();
        List<Object> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            c.onAllocate(new AttachmentKey("c" + i, "eth0"), into(answers));
            writeAll(c);
            c.onRelease(new AttachmentKey("c" + i, "eth0"), into(answers));
            writeAll(c);
        }
        assertThat(answers).hasSize(40);
        assertThat(fx.ringStates).hasSize(states);
        assertThat(fx.deltas).hasSize(deltas);
    }

    @Test
    void theSeedClaimTravelsAsADeltaOnceWritten() throws Exception {
        AgentController c = controller(false);
        now += 4_000;
        c.onTick(now);
        assertThat(fx.deltas).as("not before the write").isEmpty();
        writeAll(c);
        assertThat(fx.deltas).hasSize(1);
        assertThat(fx.ringStates).isNotEmpty();
    }

    @Test
    void spaceIsGivenOnlyToTheLiveAuthenticatedRequesterAndNotFaster() throws Exception {
        AgentController c = ready();
        SpaceRequest req = request(c, OTHER, 1);
        c.onMessage(OTHER, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
        assertThat(c.snapshot().refusedMessages()).containsEntry("space_request_not_live", 1L);

        c.onMember(member(OTHER, MemberState.ALIVE, record(OTHER, List.of())));
        c.onMessage(PeerId.of(0xc3), RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
        assertThat(c.snapshot().refusedMessages()).containsEntry("space_request_wrong_requester", 1L);

        c.onMessage(OTHER, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
        writeAll(c);
        assertThat(fx.sent).hasSize(1);
        assertThat(SpaceMessages.decodeGrant(fx.sent.getFirst().payload()).getGrantedCount())
                .isPositive();
        long free = c.ipam().localFree();
        c.onMessage(OTHER, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
        writeAll(c);
        assertThat(fx.sent).as("a repeat is answered again").hasSize(2);
        for (int i = 2; i < 10; i++)
            c.onMessage(OTHER, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(request(c, OTHER, i)));
        writeAll(c);
        assertThat(c.ipam().localFree()).as("a flood drains nothing").isEqualTo(free);
        assertThat(c.snapshot().refusedMessages()).containsEntry("space_request_rate_limited", 8L);
    }

    @Test
    void podCidrModeRoutesOnlyPrefixesInsideTheClusterRangeAndNotOverlapping() throws Exception {
        AgentController c = controller(true);
        c.onMember(member(
                OTHER,
                MemberState.ALIVE,
                record(OTHER, List.of("0.0.0.0/1", "128.0.0.0/1", "198.18.1.0/25", "198.18.2.0/24"))));
        var view = c.view();
        assertThat(view.peers())
                .singleElement()
                .satisfies(p -> assertThat(p.cidrs()).containsExactly(Cidr.parse("198.18.2.0/24")));
    }

    static SpaceRequest request(AgentController c, PeerId requester, long id) {
        return SpaceRequest.newBuilder()
                .setFormatVersion(SpaceMessages.FORMAT_VERSION)
                .setGenesis(c.ipam().ring().orElseThrow().genesis().id())
                .setRequester(requester.value())
                .setDonor(SELF.value())
                .setWanted(64)
                .setRequestId(id)
                .build();
    }

    static MemberView member(PeerId id, MemberState state, byte[] record) {
        return new MemberView(id, new InetSocketAddress("192.0.2.2", 6770), state, 1, record, 0, 0);
    }

    static byte[] record(PeerId id, List<String> podCidrs) {
        return NodeRecord.newBuilder()
                .setPeerId(id.toString())
                .setNickname("b")
                .setIncarnation(1)
                .addUnderlayAddresses("192.0.2.2")
                .setUnderlaySubnet("192.0.2.0/24")
                .setVtepMac(ByteString.copyFrom(new byte[] {2, 0x57, 0, 0, 0, 2}))
                .setVtepAddress("198.18.2.1")
                .addDatapaths("vxlan")
                .addAllPodCidrs(podCidrs)
                .build()
                .toByteArray();
    }
}
