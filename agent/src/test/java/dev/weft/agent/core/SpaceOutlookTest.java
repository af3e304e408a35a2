package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamCounters;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.IpamStatus;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.alloc.AttachmentKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cluster range's fill and the diagnosis when a pod gets no address: space coming, fragmented, or full. */
class SpaceOutlookTest {
    static final PeerId SELF = PeerId.of(0xa1);
    static final PeerId B = PeerId.of(0xb2);
    static final PeerId C = PeerId.of(0xc3);
    static final Cidr SMALL = Cidr.parse("198.18.0.0/26");

    static IpamStatus status(long localFree, IpamStatus.OwnerStatus... owners) {
        return new IpamStatus(
                SELF,
                "a",
                SMALL,
                16,
                true,
                Optional.of("seeds"),
                false,
                List.of(owners),
                32,
                localFree,
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                new IpamCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    static IpamStatus.OwnerStatus owner(PeerId p, long size, long free) {
        return new IpamStatus.OwnerStatus(p, p.equals(SELF), false, List.of(), List.of(), size, free);
    }

    static SpaceOutlook assess(IpamStatus s, Set<PeerId> alive) {
        return SpaceOutlook.assess(s, alive::contains, p -> p.equals(B) ? "b" : "c", "a");
    }

    @Test
    void aLivePeerWithTwoBlocksFreeMeansSpaceIsOnItsWay() {
        SpaceOutlook o = assess(status(0, owner(SELF, 16, 0), owner(B, 48, 40)), Set.of(B));
        assertThat(o.verdict()).isEqualTo(SpaceOutlook.Verdict.OK);
        assertThat(o.verdict().stuck()).isFalse();
        assertThat(o.used()).isEqualTo(24);
        assertThat(o.free()).isEqualTo(40);
        assertThat(o.advice()).isNull();
    }

    @Test
    void freeAddressesNoLivePeerCanGiveAreFragmentationAndNameTheHolders() {
        // b has 3 free (less than two blocks of 16), c has 20 but is dead
        SpaceOutlook o = assess(status(0, owner(SELF, 16, 0), owner(B, 24, 3), owner(C, 24, 20)), Set.of(B));
        assertThat(o.verdict()).isEqualTo(SpaceOutlook.Verdict.FRAGMENTED);
        assertThat(o.verdict().stuck()).isTrue();
        assertThat(o.summary())
                .contains("41 of 64 addresses in use")
                .contains("c (20, not alive), b (3)")
                .contains("no live peer has the 32 free addresses");
        assertThat(o.advice()).contains("weft rmpeer").contains("Growing the cluster range");
    }

    @Test
    void noFreeAddressAnywhereIsFullWhateverThisNodeAsks() {
        SpaceOutlook o = assess(status(0, owner(SELF, 32, 0), owner(B, 32, 0)), Set.of(B));
        assertThat(o.verdict()).isEqualTo(SpaceOutlook.Verdict.FULL);
        assertThat(o.summary())
                .startsWith("the cluster range 198.18.0.0/26 is full: 64 of 64 addresses in use (100 %)");
        assertThat(o.advice()).contains("delete pods").contains("Growing the cluster range");
    }

    @Test
    void ninetyPercentUsedIsNearlyFullWhileThisNodeStillHasSpace() {
        SpaceOutlook o = assess(status(4, owner(SELF, 32, 4), owner(B, 32, 2)), Set.of(B));
        assertThat(o.verdict()).isEqualTo(SpaceOutlook.Verdict.NEARLY_FULL);
        assertThat(o.percentUsed()).isEqualTo(90);
        assertThat(o.summary()).contains("58 of 64").contains("a (4, this node), b (2)");
        SpaceOutlook roomy = assess(status(10, owner(SELF, 32, 10), owner(B, 32, 2)), Set.of(B));
        assertThat(roomy.verdict()).isEqualTo(SpaceOutlook.Verdict.OK);
    }

    @Test
    void aNodeAloneInASmallRangeSaysFullWhenItsLastAddressIsTaken() throws Exception {
        RecordingEffects fx = new RecordingEffects();
        long now = 10_000;
        StagedStore staged = new StagedStore(Optional.empty());
        IpamNode ipam = IpamNode.open(IpamConfig.of(SMALL, 16), staged, SELF, "a");
        ipam.bootstrapFromSeeds(List.of("a"));
        LocalNode self = AgentControllerTest.nodeA(SELF);
        ControllerSettings settings =
                new ControllerSettings(List.of("a"), false, false, false, 4789, 4242, 6770, Optional.empty(), SMALL);
        AgentController c = new AgentController(self, settings, ipam, staged, fx, now);
        now += 4_000;
        c.onTick(now);
        drain(c, fx);
        List<Object> answers = new ArrayList<>();
        int i = 0;
        while (answers.isEmpty() || answers.getLast() instanceof AllocationResult.Allocated) {
            c.onAllocate(new AttachmentKey("c" + i++, "eth0"), AgentControllerTest.into(answers));
            drain(c, fx);
            if (i > 64) break;
        }
        assertThat(answers.getLast()).isInstanceOf(AllocationResult.NoSpaceYet.class);
        SpaceOutlook o = c.spaceOutlook();
        assertThat(o.verdict()).isEqualTo(SpaceOutlook.Verdict.FULL);
        assertThat(o.total()).isEqualTo(64);
        assertThat(o.used()).isEqualTo(64);
        assertThat(c.snapshot().space()).isEqualTo(o);
        // half the pods go: the range has room again
        for (int k = 0; k < i / 2; k++)
            c.onRelease(new AttachmentKey("c" + k, "eth0"), AgentControllerTest.into(answers));
        drain(c, fx);
        assertThat(c.spaceOutlook().verdict()).isEqualTo(SpaceOutlook.Verdict.OK);
    }

    private static void drain(AgentController c, RecordingEffects fx) {
        while (!fx.persists.isEmpty() || !fx.applies.isEmpty()) {
            while (!fx.persists.isEmpty())
                c.onPersisted(fx.persists.removeFirst().seq());
            while (!fx.applies.isEmpty()) {
                var r = fx.applies.removeFirst();
                c.onDatapathApplied(
                        r.seq(),
                        DesiredStateCalculator.compute(DatapathConfig.defaults(), r.view()),
                        new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), 0));
            }
        }
    }
}
