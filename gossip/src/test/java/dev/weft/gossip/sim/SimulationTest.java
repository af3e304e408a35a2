package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.SwimSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deterministic multi-member simulations of the SWIM engine. A failing run prints its seed. */
class SimulationTest {
    private static final SwimSettings S = SwimSettings.defaults();

    private static long seed() {
        return Long.getLong("weft.sim.seed", 42L);
    }

    @Test
    void joinOf500MembersConvergesAndANewJoinIsKnownByAllWithinTwoSeconds() {
        long seed = seed();
        SimNetwork net = new SimNetwork(seed);
        long boot = net.bootstrap(500, S, 2 * MS, 120_000 * MS);
        assertThat(boot).as("bootstrap convergence, seed=%d", seed).isPositive();
        SimNetwork.Node seedNode = net.nodes.get(net.rnd.nextInt(net.nodes.size()));
        SimNetwork.Node joiner = net.addNode(S);
        joiner.engine.join(List.of(seedNode.address), k -> {
        });
        long t = net.runUntil(() -> net.allSee(joiner, MemberState.ALIVE) && joiner.engine.liveMembers() == 500,
                10_000 * MS, 10 * MS);
        System.out.printf("sim N=500 bootstrap=%d ms, join known by all=%d ms (seed=%d)%n", boot / MS, t / MS, seed);
        assertThat(t).as("join convergence, seed=%d", seed).isBetween(0L, 2_000 * MS);
    }
}
