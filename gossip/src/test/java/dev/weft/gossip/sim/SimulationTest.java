package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Deterministic multi-member simulations of the SWIM engine (simulated clock, seeded randomness, random latency
 * 0.2-5 ms so packets reorder). Default settings: probe 1 s / 500 ms, 3 indirect, suspicion 3x..9x log10(N) s.
 * Every assertion message carries the seed; rerun one with -Dweft.sim.seed=N.
 */
class SimulationTest {
    private static final SwimSettings S = SwimSettings.defaults();

    private static long seed() {
        return Long.getLong("weft.sim.seed", 42L);
    }

    private static SimMember nth(SimNetwork net, int i) {
        return net.members().get(i);
    }

    @Test
    void fiveHundredMembersJoinDetectKilledAndHungAndStayQuiet() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        int n = 500;
        long boot = net.bootstrap(n, S, 2 * MS, 30_000 * MS); // view-hash repair closes gossip gaps within seconds
        assertThat(boot).as("bootstrap convergence, seed=%d", seed).isPositive();
        assertThat(net.falseDeaths())
                .as("no live member declared dead, seed=%d", seed)
                .isZero();

        // join, straight after the bootstrap: known by all (and the joiner knows all) quickly
        SimMember seedNode = nth(net, net.random().nextInt(n));
        SimMember joiner = net.add(PeerId.of(n + 1), S, null, null);
        net.join(joiner.id(), seedNode.id());
        long join = net.runUntil(
                () -> net.allSee(joiner.id(), MemberState.ALIVE)
                        && joiner.engine().liveMembers() == n,
                10_000 * MS,
                10 * MS);
        assertThat(join).as("join convergence, seed=%d", seed).isBetween(0L, 2_000 * MS);

        // steady state traffic per member (after the join's broadcasts drained; push-pull included)
        net.runFor(30_000 * MS);
        long bytes0 = net.totalBytes();
        var split0 = net.traffic().snapshot();
        net.runFor(60_000 * MS);
        double perMember = (net.totalBytes() - bytes0) / 60.0 / (n + 1);
        System.out.printf(
                "sim N=%d seed=%d steady state (60 s) by kind:%n%s",
                n + 1,
                seed,
                SimTraffic.table(SimTraffic.between(split0, net.traffic().snapshot()), 60, n + 1));

        // killed member: dead everywhere
        SimMember victim = nth(net, 7);
        net.kill(victim.id());
        long killed = net.runUntil(() -> net.allSee(victim.id(), MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(killed)
                .as("killed member declared dead by all, seed=%d", seed)
                .isBetween(0L, 40_000 * MS);

        // hung member (alive sockets, no processing): same
        SimMember hung = nth(net, 11);
        net.hang(hung.id(), true);
        long hungT = net.runUntil(() -> net.allSee(hung.id(), MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(hungT).as("hung member declared dead by all, seed=%d", seed).isBetween(0L, 40_000 * MS);
        assertThat(net.falseDeaths())
                .as("no live member declared dead, seed=%d", seed)
                .isZero();

        System.out.printf(
                "sim N=%d seed=%d: bootstrap=%d ms, join known by all=%d ms, killed dead at all=%d ms, "
                        + "hung dead at all=%d ms, %.0f bytes/member/s, false suspicions=%d%n",
                n, seed, boot / MS, join / MS, killed / MS, hungT / MS, perMember, net.falseSuspicions());
        assertThat(perMember).as("per-member traffic, seed=%d", seed).isLessThan(1_000);
    }

    @Test
    void noFalseDeathsUnderTenPercentLoss() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        long boot = net.bootstrap(200, S, 2 * MS, 120_000 * MS);
        assertThat(boot).as("bootstrap, seed=%d", seed).isPositive();
        net.resetFalseCounts();
        net.setLoss(0.10);
        net.runFor(120_000 * MS);
        System.out.printf(
                "sim N=200 loss=10%% 120 s seed=%d: false suspicions=%d, false deaths=%d%n",
                seed, net.falseSuspicions(), net.falseDeaths());
        assertThat(net.falseDeaths())
                .as("false deaths under 10%% loss, seed=%d", seed)
                .isZero();
        // and a real failure is still found under the same loss
        SimMember victim = nth(net, 3);
        net.kill(victim.id());
        long t = net.runUntil(() -> net.allSee(victim.id(), MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(t).as("killed member under loss, seed=%d", seed).isBetween(0L, 40_000 * MS);
    }

    @Test
    void partitionHealsThroughRefutationAndPushPull() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(40, S, 2 * MS, 60_000 * MS))
                .as("bootstrap, seed=%d", seed)
                .isPositive();
        Set<PeerId> a = new HashSet<>();
        Set<PeerId> b = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            (i < 20 ? a : b).add(nth(net, i).id());
        }
        net.partition(a, b);
        PeerId m0 = nth(net, 0).id();
        PeerId m30 = nth(net, 30).id();
        // each side declares the other dead...
        long split = net.runUntil(
                () -> !net.allSee(m0, MemberState.DEAD)
                        && net.member(m30).engine().stateOf(m0) == MemberState.DEAD
                        && net.member(m0).engine().stateOf(m30) == MemberState.DEAD,
                60_000 * MS,
                50 * MS);
        assertThat(split).as("sides see each other dead, seed=%d", seed).isPositive();
        // ...and after healing, push-pull + refutation bring everyone back
        net.heal();
        // dead members are not probed; only push-pull (30 s base interval, jittered) reconnects the sides
        long heal = net.runUntil(net::converged, 180_000 * MS, 100 * MS);
        System.out.printf(
                "sim partition N=40 seed=%d: split seen after %d ms, healed after %d ms%n",
                seed, split / MS, heal / MS);
        assertThat(heal).as("healed, seed=%d", seed).isPositive();
    }

    @Test
    void gracefulLeaveIsSeenAsLeftNotDead() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(50, S, 2 * MS, 60_000 * MS)).isPositive();
        SimMember leaver = nth(net, 5);
        leaver.engine().leave();
        long t = net.runUntil(() -> leaver.engine().leaveAnnounced(3), 5_000 * MS, 10 * MS);
        assertThat(t).isNotNegative();
        net.kill(leaver.id());
        long all = net.runUntil(() -> net.allSee(leaver.id(), MemberState.LEFT), 10_000 * MS, 10 * MS);
        assertThat(all).as("left seen by all, seed=%d", seed).isBetween(0L, 3_000 * MS);
        // the tombstone holds: stale ALIVE gossip with the old incarnation does not resurrect it
        net.runFor(30_000 * MS);
        assertThat(net.allSee(leaver.id(), MemberState.LEFT)).isTrue();
    }

    @Test
    void restartedMemberWithHigherIncarnationComesBack() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(30, S, 2 * MS, 60_000 * MS)).isPositive();
        SimMember victim = nth(net, 4);
        net.kill(victim.id());
        assertThat(net.runUntil(() -> net.allSee(victim.id(), MemberState.DEAD), 60_000 * MS, 10 * MS))
                .isPositive();
        // "restart": a new engine for the same id and address with a bumped incarnation
        SimMember reborn = net.restart(victim.id(), 5, null, null, S);
        net.join(reborn.id(), nth(net, 0).id());
        long t = net.runUntil(() -> net.allSee(reborn.id(), MemberState.ALIVE), 10_000 * MS, 10 * MS);
        assertThat(t).as("restarted member alive again, seed=%d", seed).isBetween(0L, 3_000 * MS);
    }

    /**
     * A grow-only max register as a stand-in CRDT, owned like the agent owns the ring: gossip hands states and
     * deltas over; the owner merges 1 ms later "on its own thread" (a scheduled simulation event) and reports
     * what it learned with channelUpdated. {@code pushOnLearn} makes it re-rumour full state (the old behaviour).
     */
    static final class MaxChannel implements CrdtChannel {
        final SimNetwork net;
        final SimMember owner;
        final boolean pushOnLearn;
        long value;
        int deltasReceived;

        MaxChannel(SimNetwork net, SimMember owner, boolean pushOnLearn) {
            this.net = net;
            this.owner = owner;
            this.pushOnLearn = pushOnLearn;
        }

        @Override
        public byte[] localState() {
            return encode(value);
        }

        static byte[] encode(long v) {
            return ByteBuffer.allocate(8).putLong(v).array();
        }

        @Override
        public void receive(PeerId from, byte[] remote) {
            if (remote.length != 8) {
                throw new IllegalArgumentException("bad state");
            }
            long v = ByteBuffer.wrap(remote).getLong();
            net.after(MS, () -> merge(v));
        }

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            deltasReceived++;
            receive(from, java.util.Arrays.copyOf(delta, 8)); // a delta here is the value padded to its size
        }

        void merge(long v) {
            if (v > value && !owner.killed()) {
                value = v;
                owner.engine().channelUpdated("max", pushOnLearn);
            }
        }
    }

    private static MaxChannel[] registerMax(SimNetwork net, boolean pushOnLearn) {
        List<SimMember> ms = net.members();
        MaxChannel[] chans = new MaxChannel[ms.size()];
        for (int i = 0; i < chans.length; i++) {
            chans[i] = new MaxChannel(net, ms.get(i), pushOnLearn);
            ms.get(i).engine().registerChannel("max", chans[i]);
        }
        return chans;
    }

    private static boolean allHave(MaxChannel[] chans, long v) {
        for (MaxChannel c : chans) {
            if (c.value != v) {
                return false;
            }
        }
        return true;
    }

    private static long digestRepairs(SimNetwork net) {
        return net.members().stream().mapToLong(m -> m.engine().digestRepairs()).sum();
    }

    @Test
    void crdtChannelFullStatePushReachesAllMembers() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(200, S, 2 * MS, 60_000 * MS)).isPositive();
        MaxChannel[] chans = registerMax(net, true);
        chans[17].value = 99;
        nth(net, 17).engine().channelUpdated("max", true);
        long t = net.runUntil(() -> allHave(chans, 99), 30_000 * MS, 10 * MS);
        System.out.printf("sim channel N=200 seed=%d: full-state change reached all in %d ms%n", seed, t / MS);
        assertThat(t).as("channel convergence, seed=%d", seed).isBetween(0L, 3_000 * MS);
    }

    @Test
    void crdtChannelChangeWithoutPushStillArrivesThroughDigestRepair() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(20, S, 2 * MS, 60_000 * MS)).isPositive();
        MaxChannel[] chans = registerMax(net, false);
        chans[3].value = 7;
        nth(net, 3).engine().channelUpdated("max"); // no push, no delta: only lazy digest repair carries it
        long t = net.runUntil(() -> allHave(chans, 7), 60_000 * MS, 10 * MS);
        System.out.printf(
                "sim channel N=20 seed=%d: un-pushed change reached all through digest repair in %d ms "
                        + "(%d repairs)%n",
                seed, t / MS, digestRepairs(net));
        assertThat(t).as("digest repair convergence, seed=%d", seed).isPositive();
        assertThat(t)
                .as("not before the grace period")
                .isGreaterThanOrEqualTo(S.digestRepairGrace().toNanos());
        assertThat(digestRepairs(net)).isPositive();
    }

    /** Publishes one delta from member 17 of 200 and returns [ms to reach all, digest repairs meanwhile]. */
    private static long[] spreadOneDelta(SwimSettings s, int deltaBytes) {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(200, s, 2 * MS, 60_000 * MS)).isPositive();
        MaxChannel[] chans = registerMax(net, false);
        net.runFor(5_000 * MS);
        long repairs0 = digestRepairs(net);
        chans[17].value = 99;
        SimMember origin = nth(net, 17);
        origin.engine().channelUpdated("max");
        origin.engine().publishDelta("max", java.util.Arrays.copyOf(MaxChannel.encode(99), deltaBytes));
        long t = net.runUntil(() -> allHave(chans, 99), 30_000 * MS, 10 * MS);
        assertThat(t).as("delta convergence, seed=%d", seed).isBetween(0L, 5_000 * MS);
        net.runFor(10_000 * MS); // late duplicates have time to arrive
        for (int i = 0; i < chans.length; i++) {
            assertThat(chans[i].deltasReceived)
                    .as("member %d got the delta at most once", i)
                    .isLessThanOrEqualTo(i == 17 ? 0 : 1);
        }
        long viaDelta = java.util.Arrays.stream(chans)
                .filter(c -> c.deltasReceived == 1)
                .count();
        System.out.printf(
                "sim delta N=200 %d B grace=%d ms seed=%d: reached all in %d ms, %d of 199 through the "
                        + "delta, digest repairs %d%n",
                deltaBytes, s.digestRepairGrace().toMillis(), seed, t / MS, viaDelta, digestRepairs(net) - repairs0);
        return new long[] {t / MS, digestRepairs(net) - repairs0, viaDelta};
    }

    @Test
    void smallDeltaRidesOnGossipOnceEachWithoutFullStateRepairs() {
        long[] r = spreadOneDelta(S, 8);
        assertThat(r[2]).as("every other member got it as a delta").isEqualTo(199);
        assertThat(r[1])
                .as("no full-state exchange while the delta was in flight")
                .isZero();
        // the same without a grace period: digest mismatches in flight trigger full-state exchanges
        long[] eager = spreadOneDelta(S.withDigestRepairGrace(java.time.Duration.ZERO), 8);
        assertThat(eager[1]).as("without grace, deltas in flight cause repairs").isPositive();
    }

    @Test
    void largeDeltaGoesOverStreamsAndStillSpreads() {
        long[] r = spreadOneDelta(S, 4_000); // > one datagram
        assertThat(r[2])
                .as("most members got it as a delta (stream flood, fanout 3)")
                .isGreaterThan(150);
    }
}
