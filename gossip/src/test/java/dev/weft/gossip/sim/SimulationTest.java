package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.SwimSettings;
import java.nio.ByteBuffer;
import java.util.List;
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

    @Test
    void fiveHundredMembersJoinDetectKilledAndHungAndStayQuiet() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        int n = 500;
        long boot = net.bootstrap(n, S, 2 * MS, 30_000 * MS); // view-hash repair closes gossip gaps within seconds
        assertThat(boot).as("bootstrap convergence, seed=%d", seed).isPositive();
        assertThat(net.falseDeadDeclarations).as("no live member declared dead, seed=%d", seed).isZero();

        // join: known by all (and the joiner knows all) quickly
        SimNetwork.Node seedNode = net.nodes.get(net.rnd.nextInt(net.nodes.size()));
        SimNetwork.Node joiner = net.addNode(S);
        joiner.engine.join(List.of(seedNode.address), k -> {
        });
        long join = net.runUntil(() -> net.allSee(joiner, MemberState.ALIVE) && joiner.engine.liveMembers() == n,
                10_000 * MS, 10 * MS);
        assertThat(join).as("join convergence, seed=%d", seed).isBetween(0L, 2_000 * MS);

        // steady state traffic per member (after the join's broadcasts drained; push-pull included)
        net.runFor(30_000 * MS);
        long bytes0 = net.totalBytes();
        net.runFor(60_000 * MS);
        double perMember = (net.totalBytes() - bytes0) / 60.0 / (n + 1);

        // killed member: dead everywhere
        SimNetwork.Node victim = net.nodes.get(7);
        victim.killed = true;
        long killed = net.runUntil(() -> net.allSee(victim, MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(killed).as("killed member declared dead by all, seed=%d", seed).isBetween(0L, 40_000 * MS);

        // hung member (alive sockets, no processing): same
        SimNetwork.Node hung = net.nodes.get(11);
        hung.hung = true;
        long hungT = net.runUntil(() -> net.allSee(hung, MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(hungT).as("hung member declared dead by all, seed=%d", seed).isBetween(0L, 40_000 * MS);
        assertThat(net.falseDeadDeclarations).as("no live member declared dead, seed=%d", seed).isZero();

        System.out.printf("sim N=%d seed=%d: bootstrap=%d ms, join known by all=%d ms, killed dead at all=%d ms, "
                        + "hung dead at all=%d ms, %.0f bytes/member/s, false suspicions=%d%n",
                n, seed, boot / MS, join / MS, killed / MS, hungT / MS, perMember, net.falseSuspicions);
        assertThat(perMember).as("per-member traffic, seed=%d", seed).isLessThan(1_000);
    }

    @Test
    void noFalseDeathsUnderTenPercentLoss() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        long boot = net.bootstrap(200, S, 2 * MS, 120_000 * MS);
        assertThat(boot).as("bootstrap, seed=%d", seed).isPositive();
        net.falseSuspicions = 0;
        net.loss = 0.10;
        net.runFor(120_000 * MS);
        System.out.printf("sim N=200 loss=10%% 120 s seed=%d: false suspicions=%d, false deaths=%d%n",
                seed, net.falseSuspicions, net.falseDeadDeclarations);
        assertThat(net.falseDeadDeclarations).as("false deaths under 10%% loss, seed=%d", seed).isZero();
        // and a real failure is still found under the same loss
        SimNetwork.Node victim = net.nodes.get(3);
        victim.killed = true;
        long t = net.runUntil(() -> net.allSee(victim, MemberState.DEAD), 60_000 * MS, 10 * MS);
        assertThat(t).as("killed member under loss, seed=%d", seed).isBetween(0L, 40_000 * MS);
    }

    @Test
    void partitionHealsThroughRefutationAndPushPull() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(40, S, 2 * MS, 60_000 * MS)).as("bootstrap, seed=%d", seed).isPositive();
        for (int i = 0; i < 20; i++) {
            net.nodes.get(i).partition = 1;
        }
        // each side declares the other dead...
        long split = net.runUntil(() -> net.allSee(net.nodes.get(0), MemberState.DEAD) == false
                && net.nodes.get(30).engine.stateOf("m0") == MemberState.DEAD
                && net.nodes.get(0).engine.stateOf("m30") == MemberState.DEAD, 60_000 * MS, 50 * MS);
        assertThat(split).as("sides see each other dead, seed=%d", seed).isPositive();
        // ...and after healing, push-pull + refutation bring everyone back
        for (SimNetwork.Node node : net.nodes) {
            node.partition = 0;
        }
        // dead members are not probed; only push-pull (30 s base interval, jittered) reconnects the sides
        long heal = net.runUntil(net::converged, 180_000 * MS, 100 * MS);
        System.out.printf("sim partition N=40 seed=%d: split seen after %d ms, healed after %d ms%n",
                seed, split / MS, heal / MS);
        assertThat(heal).as("healed, seed=%d", seed).isPositive();
    }

    @Test
    void gracefulLeaveIsSeenAsLeftNotDead() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(50, S, 2 * MS, 60_000 * MS)).isPositive();
        SimNetwork.Node leaver = net.nodes.get(5);
        leaver.engine.leave();
        long t = net.runUntil(() -> leaver.engine.leaveAnnounced(3), 5_000 * MS, 10 * MS);
        assertThat(t).isNotNegative();
        leaver.killed = true;
        long all = net.runUntil(() -> net.allSee(leaver, MemberState.LEFT), 10_000 * MS, 10 * MS);
        assertThat(all).as("left seen by all, seed=%d", seed).isBetween(0L, 3_000 * MS);
        // the tombstone holds: stale ALIVE gossip with the old incarnation does not resurrect it
        net.runFor(30_000 * MS);
        assertThat(net.allSee(leaver, MemberState.LEFT)).isTrue();
    }

    @Test
    void restartedMemberWithHigherIncarnationComesBack() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(30, S, 2 * MS, 60_000 * MS)).isPositive();
        SimNetwork.Node victim = net.nodes.get(4);
        victim.killed = true;
        assertThat(net.runUntil(() -> net.allSee(victim, MemberState.DEAD), 60_000 * MS, 10 * MS)).isPositive();
        // "restart": a new engine for the same id and address with a bumped incarnation
        SimNetwork.Node reborn = net.restart(victim, 5);
        reborn.engine.join(List.of(net.nodes.get(0).address), k -> {
        });
        long t = net.runUntil(() -> net.allSee(reborn, MemberState.ALIVE), 10_000 * MS, 10 * MS);
        assertThat(t).as("restarted member alive again, seed=%d", seed).isBetween(0L, 3_000 * MS);
    }

    /** A grow-only max register as a stand-in CRDT (the IPAM ring uses the same interface). */
    static final class MaxChannel implements CrdtChannel {
        long value;

        @Override
        public byte[] localState() {
            return ByteBuffer.allocate(8).putLong(value).array();
        }

        @Override
        public boolean merge(byte[] remote) {
            if (remote.length != 8) {
                throw new IllegalArgumentException("bad state");
            }
            long v = ByteBuffer.wrap(remote).getLong();
            if (v > value) {
                value = v;
                return true;
            }
            return false;
        }
    }

    @Test
    void crdtChannelChangeReachesAllMembers() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        assertThat(net.bootstrap(200, S, 2 * MS, 60_000 * MS)).isPositive();
        MaxChannel[] chans = new MaxChannel[net.nodes.size()];
        for (int i = 0; i < chans.length; i++) {
            chans[i] = new MaxChannel();
            net.nodes.get(i).engine.registerChannel("max", chans[i]);
        }
        chans[17].value = 99;
        net.nodes.get(17).engine.channelUpdated("max");
        long t = net.runUntil(() -> {
            for (MaxChannel c : chans) {
                if (c.value != 99) {
                    return false;
                }
            }
            return true;
        }, 30_000 * MS, 10 * MS);
        System.out.printf("sim channel N=200 seed=%d: change reached all in %d ms%n", seed, t / MS);
        assertThat(t).as("channel convergence, seed=%d", seed).isBetween(0L, 3_000 * MS);
    }
}
