package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A seed node claims its share only once a full state was believed in full: a seed that started over with a new id
 * must not claim its share on a ring that still lacks the claim its old id made (shown by a peer that did not write
 * it, so it waits for a second sender); claiming it again would give one range two owners.
 */
class SeedClaimTrustTest {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/20");
    static final List<String> SEEDS = List.of("a", "c", "d");
    static final PeerId SELF = PeerId.of(0xa2); // seed "a", started over with a new id
    static final PeerId OLD = PeerId.of(0xa1); // its old id, which claimed "a"'s share and is gone
    static final PeerId C = PeerId.of(0xc3);
    static final PeerId D = PeerId.of(0xd4);

    @Test
    void aSeedWaitsForASecondSenderBeforeClaimingAndThenSeesItsShareTaken() throws Exception {
        StagedStore staged = new StagedStore(Optional.empty());
        IpamNode ipam = IpamNode.open(IpamConfig.of(RANGE, 16), staged, SELF, "a");
        ipam.bootstrapFromSeeds(SEEDS);
        LocalNode self = AgentControllerTest.nodeA(SELF);
        RecordingEffects fx = new RecordingEffects();
        ControllerSettings settings =
                new ControllerSettings(SEEDS, false, false, false, 4789, 4242, 6770, Optional.empty(), RANGE);
        long now = 10_000;
        AgentController controller = new AgentController(self, settings, ipam, staged, fx, now);
        Ring cluster = Ring.fromSeeds(ipam.config().ring(), SEEDS)
                .claimSeed(OLD.value(), "a")
                .claimSeed(C.value(), "c")
                .claimSeed(D.value(), "d");
        controller.onMember(AgentControllerTest.member(C, MemberState.ALIVE, AgentControllerTest.record(C, List.of())));
        controller.onMember(AgentControllerTest.member(D, MemberState.ALIVE, AgentControllerTest.record(D, List.of())));

        controller.onRingState(C, RingCodec.encode(cluster)); // OLD's and D's claims: not C's to show alone
        controller.onTick(now += 5_000);
        assertThat(ipam.ring().orElseThrow().cidrsOwnedBy(SELF.value()))
                .as("no claim on a ring with unproven changes")
                .isEmpty();
        assertThat(ipam.ring().orElseThrow().ownerOf(RANGE.network().plus(java.math.BigInteger.ONE)))
                .hasValue(dev.weft.ipam.ring.RingGenesis.seedPlaceholder("a"));

        controller.onRingState(D, RingCodec.encode(cluster)); // a second sender: OLD's claim is believed
        controller.onTick(now += 1_000);
        assertThat(ipam.ring().orElseThrow()).isEqualTo(cluster);
        assertThat(ipam.ring().orElseThrow().cidrsOwnedBy(SELF.value())).isEmpty(); // its share is taken: no claim
    }
}
