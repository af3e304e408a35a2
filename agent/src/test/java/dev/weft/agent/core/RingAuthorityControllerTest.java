package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingConfig;
import dev.weft.ipam.ring.Tombstone;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Ring authority and Kubernetes admission through the controller: a forged tombstone changes nothing, a node with
 * pods never wipes itself, a tombstone without its reclaim Lease is refused, members not on a Node are not believed.
 */
class RingAuthorityControllerTest {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/20");
    static final PeerId SELF = PeerId.of(0xa1);
    static final PeerId OTHER = PeerId.of(0xb2);
    static final PeerId THIRD = PeerId.of(0xc3);
    static final IpRange SELF_PART = IpRange.of(IpAddress.parse("198.18.4.0"), IpAddress.parse("198.18.8.0"));
    static final IpRange THIRD_PART = IpRange.of(IpAddress.parse("198.18.8.0"), IpAddress.parse("198.18.12.0"));

    final RecordingEffects fx = new RecordingEffects();
    long now = 10_000;

    /** A controller whose ring was created by OTHER, who gave SELF and THIRD a part each (adopted from gossip). */
    AgentController controller(boolean kubernetes, boolean podCidrMode) throws Exception {
        StagedStore staged = new StagedStore(Optional.empty());
        IpamNode ipam = IpamNode.open(IpamConfig.of(RANGE, 16), staged, SELF, "a");
        LocalNode self = AgentControllerTest.nodeA(SELF);
        ControllerSettings settings = new ControllerSettings(
                List.of(), kubernetes, podCidrMode, false, 4789, 4242, 6770, Optional.empty(), RANGE);
        AgentController c = new AgentController(self, settings, ipam, staged, fx, now);
        if (!podCidrMode) {
            c.onRingState(OTHER, RingCodec.encode(cluster()));
            settle(c);
        }
        return c;
    }

    static Ring cluster() {
        return Ring.createdBy(new RingConfig(RANGE, 16), OTHER.value(), "uid")
                .donate(OTHER.value(), SELF_PART, SELF.value(), IpRange::sizeLong)
                .donate(OTHER.value(), THIRD_PART, THIRD.value(), IpRange::sizeLong);
    }

    void settle(AgentController c) {
        for (int i = 0; i < 10 && !(fx.persists.isEmpty() && fx.applies.isEmpty()); i++) {
            while (!fx.persists.isEmpty())
                c.onPersisted(fx.persists.removeFirst().seq());
            while (!fx.applies.isEmpty()) {
                var r = fx.applies.removeFirst();
                DesiredState d = DesiredStateCalculator.compute(DatapathConfig.defaults(), r.view());
                c.onDatapathApplied(r.seq(), d, new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), 0));
            }
        }
    }

    AttachmentKey podWithAddress(AgentController c) {
        AttachmentKey k = new AttachmentKey("c1", "eth0");
        List<Object> answers = new ArrayList<>();
        c.onAllocate(k, AgentControllerTest.into(answers));
        settle(c);
        assertThat(c.ipam().lookup("c1", "eth0")).isPresent();
        return k;
    }

    Ring ringOf(AgentController c) {
        return c.ipam().ring().orElseThrow();
    }

    @Test
    void aForgedTombstoneWithoutVersionJumpedEntriesChangesNothing() throws Exception {
        AgentController c = controller(false, false);
        podWithAddress(c);
        Ring before = ringOf(c);
        Ring forged = Ring.of(before.config(), before.genesis(), before.entries(), Map.of(SELF.value(), OTHER.value()));
        c.onRingState(OTHER, RingCodec.encode(forged));
        settle(c);
        assertThat(fx.restarts).isZero();
        assertThat(ringOf(c)).isEqualTo(before);
        assertThat(c.ipam().lookup("c1", "eth0")).isPresent();
        assertThat(c.snapshot().refusedMessages()).containsEntry("tombstone_without_reclaim", 1L);
    }

    @Test
    void aNodeWithPodsNeverWipesItselfAndStartsOverOnlyOnceItHasNone() throws Exception {
        AgentController c = controller(false, false);
        AttachmentKey pod = podWithAddress(c);
        Ring reclaimed = ringOf(c).reclaim(OTHER.value(), SELF.value()); // a proven reclaim of this node
        byte[] bytes = RingCodec.encode(reclaimed);
        c.onRingState(OTHER, bytes);
        settle(c);
        assertThat(fx.restarts).as("refuses while a pod has an address").isZero();
        assertThat(c.ipam().isRemoved()).isFalse();
        assertThat(c.ipam().lookup("c1", "eth0")).isPresent();
        assertThat(c.snapshot().refusedMessages()).containsEntry("self_removal_refused", 1L);
        assertThat(c.problems())
                .anySatisfy(p -> assertThat(p)
                        .contains("reclaimed this node's address ranges")
                        .contains("1 pod"));
        // still serving: the pod's address stays, and the readiness line stays while the refusal stands
        c.onRingState(OTHER, bytes);
        assertThat(c.snapshot().refusedMessages()).containsEntry("self_removal_refused", 2L);
        // once its pods are gone the same ring is accepted: it starts over as a new peer (today's behaviour)
        c.onRelease(pod, AgentControllerTest.into(new ArrayList<>()));
        settle(c);
        c.onRingState(OTHER, bytes);
        assertThat(fx.restarts).isEqualTo(1);
    }

    @Test
    void kubernetesTombstonesWaitForTheReclaimLease() throws Exception {
        AgentController c = controller(true, false);
        Ring before = ringOf(c);
        Ring reclaimed = before.reclaim(OTHER.value(), THIRD.value());
        Tombstone t = new Tombstone(THIRD, OTHER);
        c.onRingState(OTHER, RingCodec.encode(reclaimed));
        assertThat(ringOf(c)).as("not before the Lease answered").isEqualTo(before);
        assertThat(c.reclaimLeasesWanted()).containsExactly(t);
        assertThat(c.reclaimLeasesWanted()).as("asked once").isEmpty();
        c.onReclaimLease(t, ReclaimLeaseAnswer.NAMES_OTHER);
        assertThat(ringOf(c)).isEqualTo(before);
        assertThat(c.snapshot().refusedMessages()).containsEntry("reclaim_lease_other_holder", 1L);
        c.onRingState(OTHER, RingCodec.encode(reclaimed));
        assertThat(ringOf(c).isRemoved(THIRD.value())).isFalse();
        assertThat(c.snapshot().refusedMessages()).containsEntry("reclaim_lease_other_holder", 2L);

        // a Lease that names the reclaimer: the parked update applies at once
        AgentController d = controller(true, false);
        d.onRingState(OTHER, RingCodec.encode(reclaimed));
        assertThat(d.reclaimLeasesWanted()).containsExactly(t);
        d.onReclaimLease(t, ReclaimLeaseAnswer.NAMES_RECLAIMER);
        assertThat(ringOf(d).isRemoved(THIRD.value())).isTrue();
        assertThat(ringOf(d).ownerOf(IpAddress.parse("198.18.9.1"))).hasValue(OTHER.value());
    }

    @Test
    void outsideKubernetesAProvenTombstoneNeedsNoLease() throws Exception {
        AgentController c = controller(false, false);
        c.onRingState(OTHER, RingCodec.encode(ringOf(c).reclaim(OTHER.value(), THIRD.value())));
        assertThat(ringOf(c).isRemoved(THIRD.value())).isTrue();
        assertThat(c.reclaimLeasesWanted()).isEmpty();
    }

    @Test
    void kubernetesMembersAreBelievedOnlyWhenANodeNamesThemAndTheirRecordMatchesIt() throws Exception {
        AgentController c = controller(true, false);
        c.onMember(AgentControllerTest.member(OTHER, MemberState.ALIVE, AgentControllerTest.record(OTHER, List.of())));
        assertThat(c.snapshot().peers()).as("waits for the first Node list").isEmpty();
        c.onNodes(Map.of());
        assertThat(c.snapshot().peers()).isEmpty();
        assertThat(c.snapshot().refusedMessages()).containsEntry("member_not_on_node", 1L);
        // its Node carries its id but another address: the record is forged or stale
        c.onNodes(Map.of(OTHER, facts("192.0.2.99")));
        assertThat(c.snapshot().peers()).isEmpty();
        assertThat(c.snapshot().refusedMessages()).containsEntry("record_address_mismatch", 1L);
        // the Node matches: believed
        c.onNodes(Map.of(OTHER, facts("192.0.2.2")));
        assertThat(c.snapshot().peers()).extracting(PeerTable.Peer::id).containsExactly(OTHER);
    }

    @Test
    void kubernetesPodCidrRecordsMustAnnounceTheirNodesPodCidr() throws Exception {
        AgentController c = controller(true, true);
        c.onNodes(Map.of(
                OTHER, new NodeFacts("b", List.of(InetAddress.ofLiteral("192.0.2.2")), List.of("198.18.2.0/24"))));
        // another node's prefix
        c.onMember(AgentControllerTest.member(
                OTHER, MemberState.ALIVE, AgentControllerTest.record(OTHER, List.of("198.18.3.0/24"))));
        assertThat(c.snapshot().peers()).isEmpty();
        assertThat(c.snapshot().refusedMessages()).containsEntry("record_podcidr_mismatch", 1L);
        c.onMember(AgentControllerTest.member(
                OTHER, MemberState.ALIVE, AgentControllerTest.record(OTHER, List.of("198.18.2.0/24"))));
        assertThat(c.snapshot().peers()).hasSize(1);
    }

    @Test
    void outsideKubernetesEveryMemberIsBelieved() throws Exception {
        AgentController c = controller(false, false);
        c.onMember(AgentControllerTest.member(OTHER, MemberState.ALIVE, AgentControllerTest.record(OTHER, List.of())));
        assertThat(c.snapshot().peers()).hasSize(1);
    }

    static NodeFacts facts(String address) {
        return new NodeFacts("b", List.of(InetAddress.ofLiteral(address)), List.of());
    }
}
