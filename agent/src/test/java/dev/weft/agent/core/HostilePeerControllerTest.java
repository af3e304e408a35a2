package dev.weft.agent.core;

import static dev.weft.agent.core.HostileCluster.C;
import static dev.weft.agent.core.HostileCluster.M;
import static dev.weft.agent.core.HostileCluster.SELF;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingDelta;
import dev.weft.ipam.ring.RingDeltaCodec;
import dev.weft.ipam.ring.RingEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 6, a compromised node (it has the secret, so gossip delivers whatever it sends) against the agent's
 * controller: the attacks of the "Why" that the controller already stops. Each is reproduced, refused,
 * counted by reason, logged at most once a minute, and changes no ring entry, allocation, route or peer. (Attacks
 * whose defence is still being built are in {@link HostileRingPendingTest}.)
 */
class HostilePeerControllerTest {

    private static SpaceRequest request(HostileCluster h, long requester, long id) {
        return SpaceRequest.newBuilder()
                .setFormatVersion(SpaceMessages.FORMAT_VERSION)
                .setGenesis(h.ring().genesis().id())
                .setRequester(requester)
                .setDonor(SELF.value())
                .setWanted(64)
                .setRequestId(id)
                .build();
    }

    /**
     * The probe: 14 space requests drained a donor to 125 free addresses over 14 phantom owners. Here M sends
     * 14 naming phantom requesters (refused: not the authenticated sender) and 14 of its own within a second (one is
     * honoured: M is a live member that may ask; the other 13 are rate-limited). No phantom owns anything.
     */
    @Test
    void forgedSpaceRequestsDrainNothingAndCreateNoPhantomOwners() throws Exception {
        HostileCluster h = new HostileCluster(false);
        long freeBefore = h.controller.ipam().localFree();
        try (var logs = new HostileCluster.LogLines(RingRole.class)) {
            for (int i = 0; i < 14; i++) {
                h.controller.onMessage(
                        M, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(request(h, 0x7000 + i, 100 + i)));
                h.controller.onMessage(
                        M, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(request(h, M.value(), 200 + i)));
                h.now += 50;
                h.controller.onTick(h.now);
                h.settle();
            }
            var refused = h.controller.snapshot().refusedMessages();
            assertThat(refused).containsEntry("space_request_wrong_requester", 14L);
            assertThat(refused).containsEntry("space_request_rate_limited", 13L);
            assertThat(h.fx.sent).as("one grant, to M itself").hasSize(1);
            assertThat(h.ring().owners()).containsExactlyInAnyOrder(SELF.value(), C.value(), M.value());
            long given = freeBefore - h.controller.ipam().localFree();
            assertThat(given).as("at most half the donor's free space, once").isLessThanOrEqualTo(freeBefore / 2);
            assertThat(logs.lines()).as("one line per reason within the minute").hasSize(2);

            // a minute later the same flood is one line per reason again
            h.now += 60_000;
            h.controller.onTick(h.now);
            h.settle();
            for (int i = 0; i < 14; i++) {
                h.controller.onMessage(
                        M, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(request(h, 0x8000 + i, 300 + i)));
            }
            assertThat(logs.lines()).hasSize(3);
        }
    }

    @Test
    void spaceRequestsFromAPeerThatIsNotLiveAreRefused() throws Exception {
        HostileCluster h = new HostileCluster(false);
        String before = h.state();
        PeerId ghost = PeerId.of(0x6057);
        for (int i = 0; i < 20; i++) {
            h.controller.onMessage(
                    ghost, RingRole.TOPIC_SPACE_REQUEST, SpaceMessages.encode(request(h, ghost.value(), i)));
        }
        h.settle();
        assertThat(h.controller.snapshot().refusedMessages()).containsEntry("space_request_not_live", 20L);
        assertThat(h.fx.sent).isEmpty();
        assertThat(h.state()).isEqualTo(before);
    }

    @Test
    void malformedIpamMessagesAreCountedAndChangeNothing() throws Exception {
        HostileCluster h = new HostileCluster(false);
        String before = h.state();
        for (int i = 0; i < 10; i++) {
            h.controller.onMessage(M, RingRole.TOPIC_SPACE_REQUEST, new byte[] {(byte) 0xff, 1, 2, (byte) i});
            h.controller.onMessage(M, RingRole.TOPIC_SPACE_GRANT, new byte[] {(byte) 0xfe, (byte) i});
        }
        h.settle();
        assertThat(h.controller.snapshot().refusedMessages()).containsEntry("malformed", 20L);
        assertThat(h.state()).isEqualTo(before);
    }

    /**
     * The forged tombstone: M announces this node removed and reclaimed by M (with version-jumped entries, as
     * a real reclaim), as a full ring and as a delta, 50 times each. This node has pods: it refuses, keeps serving
     * them, keeps its id and ranges, counts every refusal and logs at most once a minute.
     */
    @Test
    void aForgedReclaimOfANodeWithPodsIsRefusedAndItKeepsServingThem() throws Exception {
        HostileCluster h = new HostileCluster(false);
        List<IpAddress> pods = h.pods(3);
        String before = h.state();
        long refusedBefore = h.controller.snapshot().refusedRingUpdates();
        Ring forged = h.ring().reclaim(M.value(), SELF.value());
        List<IpAddress> selfTokens = h.ring().entries().stream()
                .filter(e -> e.owner() == SELF.value())
                .map(RingEntry::token)
                .toList();
        byte[] state = RingCodec.encode(forged);
        byte[] delta = RingDeltaCodec.encode(RingDelta.from(forged, selfTokens, List.of(SELF.value())));
        try (var ringLogs = new HostileCluster.LogLines(RingRole.class);
                var removalLogs = new HostileCluster.LogLines(RemovalRefusal.class)) {
            for (int i = 0; i < 50; i++) {
                h.controller.onRingState(M, state);
                h.controller.onRingDelta(M, delta);
                h.now += 100;
                h.controller.onTick(h.now);
                h.settle();
            }
            List<String> lines = new java.util.ArrayList<>(ringLogs.lines());
            lines.addAll(removalLogs.lines());
            assertThat(lines).as("100 refusals within 5 s, logged once").hasSize(1);
            assertThat(lines.getFirst()).contains("refusing").contains("rotate the secret");
        }
        assertThat(h.fx.restarts).as("no wipe, no new identity").isZero();
        assertThat(h.controller.snapshot().refusedRingUpdates() - refusedBefore).isEqualTo(100);
        assertThat(h.state()).isEqualTo(before);
        assertThat(h.controller.ipam().allocations().values()).containsExactlyInAnyOrderElementsOf(pods);
    }

    /** A peer's node record announcing 0.0.0.0/1 and 128.0.0.0/1 (every node's egress) routes none of it. */
    @Test
    void podCidrRecordsOutsideTheClusterRangeAreNotRouted() throws Exception {
        HostileCluster h = new HostileCluster(true);
        h.controller.onMember(AgentControllerTest.member(
                C, MemberState.ALIVE, AgentControllerTest.record(C, List.of("198.18.2.0/24"))));
        h.controller.onMember(AgentControllerTest.member(
                M,
                MemberState.ALIVE,
                AgentControllerTest.record(
                        M, List.of("0.0.0.0/1", "128.0.0.0/1", "198.18.1.0/25", "198.18.2.0/25", "not-a-cidr"))));
        h.settle();
        var peers = h.controller.view().peers();
        assertThat(peers)
                .allSatisfy(p -> assertThat(p.cidrs())
                        .allSatisfy(c ->
                                assertThat(HostileCluster.RANGE.contains(c)).isTrue()));
        assertThat(peers)
                .as("M is routed nothing (a peer without ranges is left out of the view)")
                .noneMatch(p -> p.peerId().equals(M.toString()) && !p.cidrs().isEmpty());
        assertThat(peers.stream().filter(p -> p.peerId().equals(C.toString())))
                .singleElement()
                .satisfies(p -> assertThat(p.cidrs()).containsExactly(Cidr.parse("198.18.2.0/24")));
    }
}
