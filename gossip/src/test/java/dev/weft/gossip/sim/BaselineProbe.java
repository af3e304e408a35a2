package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import org.junit.jupiter.api.Test;

/** The same measurements on any version of the engine (only SimNetwork API): bootstrap, join right after, loss. */
class BaselineProbe {
    @Test
    void probe() {
        assumeTrue(Boolean.getBoolean("weft.bench"));
        SwimSettings S = SwimSettings.defaults();
        for (String sd : System.getProperty("weft.seeds", "42").split(",")) {
            long seed = Long.parseLong(sd);
            long boot = -1, join = -1;
            if (!"false".equals(System.getProperty("weft.probe.boot"))) {
                SimNetwork net = new SimNetwork(seed);
                int n = 500;
                boot = net.bootstrap(n, S, 2 * MS, 60_000 * MS);
                SimMember seedNode = net.members().get(net.random().nextInt(n));
                SimMember joiner = net.add(PeerId.of(n + 1), S, null, null);
                net.join(joiner.id(), seedNode.id());
                join = net.runUntil(
                        () -> net.allSee(joiner.id(), MemberState.ALIVE)
                                && joiner.engine().liveMembers() == n,
                        30_000 * MS,
                        10 * MS);
            }
            SimNetwork l = new SimNetwork(seed);
            if (!"false".equals(System.getProperty("weft.probe.loss"))) {
                long b2 = l.bootstrap(200, S, 2 * MS, 120_000 * MS);
                l.resetFalseCounts();
                l.setLoss(0.10);
                l.runFor(120_000 * MS);
            }
            System.out.printf(
                    "seed=%d N=500 bootstrap=%d ms join-after=%d ms | N=200 10%% loss: false suspicions=%d episodes=%d mean=%d ms false deaths=%d%n",
                    seed,
                    boot / MS,
                    join / MS,
                    l.falseSuspicions(),
                    l.falseSuspicionEpisodes(),
                    l.meanFalseSuspicionNanos() / MS,
                    l.falseDeaths());
        }
    }
}
