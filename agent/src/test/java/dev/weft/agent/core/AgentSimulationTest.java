package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole agent simulated (issue 12 item 7): 20 complete agents (controller + real IPAM + real SWIM engine +
 * desired-state calculator and reconciler) on the simulated network, in-memory kernels and disks, driven by seeded
 * random joins, kills, restarts, partitions, rmpeer and CNI ADD/DEL churn. Invariants after every step: no address
 * held by two live pods, no allocation lost across a restart; after each quiet period: every live pod routed on every
 * live node, no route to a node that is gone. A failure names the seed and the step to replay
 * ({@code -Dweft.sim.seed=N -Dweft.sim.steps=S}).
 */
@Tag("slow")
class AgentSimulationTest {
    static final int AGENTS = 20;
    static final int STEPS = Integer.getInteger("weft.sim.steps", 5_000);
    static final int QUIET_EVERY = 1_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void twentyAgentsKeepTheirInvariants(long seed) {
        long s = Long.getLong("weft.sim.seed", seed);
        Run run = new Run(s);
        run.go();
        SimWorld.Stats st = run.world.stats;
        System.out.printf(
                "agent simulation seed=%d agents=%d steps=%d simulated=%ds adds=%d dels=%d no-space=%d kills=%d restarts=%d "
                        + "partitions=%d rmpeers=%d invariant-checks=%d violations=0 fsyncs/node/s=%.2f%n",
                s,
                AGENTS,
                STEPS,
                run.world.nowMs() / 1000,
                st.adds,
                st.dels,
                st.noSpace,
                st.kills,
                st.restarts,
                st.partitions,
                st.rmpeers,
                st.checks,
                st.fsyncs / (double) AGENTS / Math.max(1, run.world.nowMs() / 1000));
        assertThat(st.adds).as("pods were added").isGreaterThan(STEPS / 10);
        assertThat(st.checks).isGreaterThan(STEPS);
    }

    static final class Run {
        final long seed;
        final SimWorld world;
        int step;

        Run(long seed) {
            this.seed = seed;
            this.world = new SimWorld(seed);
        }

        void go() {
            for (int i = 0; i < AGENTS; i++) world.seeds.add("n" + i);
            for (int i = 0; i < AGENTS; i++) world.addAgent("n" + i);
            // 12 agents create the cluster; the rest join during the run
            for (int i = 0; i < 12; i++) world.agents.get(i).start(world.seeds);
            quiet(30_000);
            for (step = 1; step <= STEPS; step++) {
                act();
                world.gossip.runForMs(50 + world.random.nextInt(250));
                restartRemoved();
                checkAddresses();
                if (step % QUIET_EVERY == 0) quiet(60_000);
            }
        }

        private void act() {
            int r = world.random.nextInt(1000);
            List<SimAgent> up = world.up();
            if (r < 700) {
                if (!up.isEmpty()) {
                    SimAgent a = up.get(world.random.nextInt(up.size()));
                    if (world.random.nextInt(100) < 55 || world.pods.isEmpty()) {
                        world.addPod(a);
                    } else {
                        List<SimWorld.Pod> mine = world.pods.values().stream()
                                .filter(p -> p.agent() == a)
                                .toList();
                        if (!mine.isEmpty()) world.delPod(mine.get(world.random.nextInt(mine.size())));
                    }
                }
            } else if (r < 760) {
                SimAgent down = pick(a -> !a.up && !a.removedWanted && !a.decommissioned);
                if (down != null) {
                    world.stats.restarts++;
                    down.start(world.seeds);
                    checkRestartKeptPods(down);
                }
            } else if (r < 790) {
                if (up.size() > 6) {
                    SimAgent a = up.get(world.random.nextInt(up.size()));
                    a.kill();
                    world.stats.kills++;
                }
            } else if (r < 800) {
                if (up.size() > 4) {
                    world.stats.partitions++;
                    List<SimAgent> side = new ArrayList<>();
                    for (SimAgent a : up) if (world.random.nextBoolean()) side.add(a);
                    world.gossip.partition(side);
                    world.later(2_000 + world.random.nextInt(8_000), world.gossip::heal);
                }
            } else if (r < 805) {
                rmpeer();
            }
        }

        /** An operator removes a dead node for good: its pods are gone; the node may come back as a new peer. */
        private void rmpeer() {
            SimAgent dead = pick(a -> !a.up && a.ipam != null && deadEverywhere(a));
            List<SimAgent> up = world.up();
            if (dead == null || up.isEmpty()) return;
            SimAgent by = up.get(world.random.nextInt(up.size()));
            world.stats.rmpeers++;
            PeerId target = dead.id;
            dead.decommissioned = true; // the operator said it is gone for good: it comes back only reinstalled
            by.controller.onRmpeer(target.toString(), world.reply(msg -> {
                world.pods.values().removeIf(p -> p.owner().equals(target));
                dead.removedWanted = true;
            }));
        }

        private boolean deadEverywhere(SimAgent a) {
            return world.up().stream()
                    .allMatch(o -> o.controller
                            .snapshot()
                            .peer(a.id)
                            .map(p -> p.member().state() == MemberState.DEAD)
                            .orElse(false));
        }

        /**
         * A node whose ranges were reclaimed wipes its state and joins again as a new peer (what the runtime does when it
         * finds its tombstone; what an operator does when reinstalling a node removed with rmpeer).
         */
        private void restartRemoved() {
            for (SimAgent a : world.agents) {
                if (!a.removedWanted) continue;
                a.removedWanted = false;
                a.decommissioned = false;
                if (a.up) a.kill();
                world.pods.values().removeIf(p -> p.agent() == a && p.owner().equals(a.id));
                a.disk.delete();
                a.id = PeerId.random(world.random);
                a.start(world.seeds);
            }
        }

        private SimAgent pick(java.util.function.Predicate<SimAgent> p) {
            List<SimAgent> l = world.agents.stream().filter(p).toList();
            return l.isEmpty() ? null : l.get(world.random.nextInt(l.size()));
        }

        /** Invariant: no address is held by two live pods. */
        private void checkAddresses() {
            world.stats.checks++;
            Map<IpAddress, SimWorld.Pod> seen = new HashMap<>();
            for (SimWorld.Pod p : world.pods.values()) {
                SimWorld.Pod other = seen.put(p.address(), p);
                if (other != null)
                    fail("address " + p.address() + " held by two live pods: " + p.key() + " on " + p.agent().name
                            + " and " + other.key() + " on " + other.agent().name);
            }
        }

        /** Invariant: an agent restarted from its disk still holds every address its live pods use. */
        private void checkRestartKeptPods(SimAgent a) {
            for (SimWorld.Pod p : world.pods.values()) {
                if (p.agent() != a || !p.owner().equals(a.id)) continue;
                Optional<IpAddress> now =
                        a.ipam.lookup(p.key().containerId(), p.key().ifName());
                if (now.isEmpty() || !now.get().equals(p.address())) {
                    fail("agent " + a.name + " lost the allocation of " + p.key() + " (" + p.address()
                            + ") across a restart: " + now);
                }
            }
        }

        /** Heal everything, let it settle, then: every live pod routed on every live node, no route to a gone node. */
        private void quiet(long ms) {
            world.gossip.heal();
            world.gossip.runForMs(ms);
            restartRemoved();
            world.gossip.runForMs(ms / 2);
            world.stats.checks++;
            List<SimAgent> up = world.up();
            Map<PeerId, IpAddress> vteps = new HashMap<>();
            for (SimAgent a : world.agents) if (a.ipam != null) a.ipam.gateway().ifPresent(g -> vteps.put(a.id, g));
            for (SimAgent node : up) {
                List<Route> routes = node.kernel.routes(Rtnl.AF_INET);
                for (SimWorld.Pod p : world.pods.values()) {
                    if (!p.agent().up) continue;
                    InetAddress addr = p.address().toInetAddress();
                    if (p.agent() == node) {
                        if (routes.stream().noneMatch(r -> r.prefixLength() == 32 && addr.equals(r.destination()))) {
                            fail("node " + node.name + " has no host route to its own pod " + p.key() + " "
                                    + p.address());
                        }
                        continue;
                    }
                    IpAddress vtep = vteps.get(p.owner());
                    boolean routed = routes.stream()
                            .anyMatch(r -> covers(r, p.address())
                                    && vtep != null
                                    && vtep.toInetAddress().equals(r.gateway()));
                    if (!routed)
                        fail("node " + node.name + " has no route to pod " + p.address() + " on " + p.agent().name
                                + " (vtep " + vtep + ")" + diagnose(node, p, routes));
                }
                Map<PeerId, List<dev.weft.ipam.addr.Cidr>> owners = node.ipam.cidrsByOwner();
                for (Route r : routes) {
                    if (r.gateway() == null || r.destination() == null) continue;
                    IpAddress g = IpAddress.of(r.gateway());
                    SimAgent via = world.agents.stream()
                            .filter(a -> a.ipam != null
                                    && a.ipam.gateway().map(g::equals).orElse(false))
                            .findFirst()
                            .orElse(null);
                    IpAddress dst = IpAddress.of(r.destination());
                    boolean owned = via != null
                            && owners.getOrDefault(via.id, List.of()).stream().anyMatch(c -> c.contains(dst));
                    if (!owned) {
                        fail("node " + node.name + " routes " + dst + "/" + r.prefixLength() + " via " + g + " ("
                                + (via == null ? "no node's VTEP" : via.name) + "), which does not own that range");
                    }
                }
            }
        }

        /** What the node knows of the pod's owner, for a failure message. */
        private String diagnose(SimAgent node, SimWorld.Pod p, List<Route> routes) {
            var peer = node.controller.snapshot().peer(p.owner());
            String owner = node.ipam.cidrsByOwner().entrySet().stream()
                    .filter(e -> e.getValue().stream().anyMatch(c -> c.contains(p.address())))
                    .map(e -> e.getKey().toString())
                    .findFirst()
                    .orElse("nobody");
            List<String> near = routes.stream()
                    .filter(r -> covers(r, p.address()))
                    .map(r -> r.destination().getHostAddress() + "/" + r.prefixLength() + " via " + r.gateway())
                    .toList();
            return "; " + node.name + " sees the owner " + p.owner() + " as "
                    + peer.map(x -> x.member().state() + " record=" + x.record().isPresent())
                            .orElse("unknown") + ", its ring says the address belongs to " + owner
                    + " (the owner's own ring: "
                    + p.agent().ipam.cidrsByOwner().entrySet().stream()
                            .filter(e -> e.getValue().stream().anyMatch(c -> c.contains(p.address())))
                            .map(e -> e.getKey().toString())
                            .findFirst()
                            .orElse("nobody")
                    + "), covering routes " + near + ", owner synced="
                    + p.agent().ipam.isSynced()
                    + ", desired problems "
                    + node.controller
                            .snapshot()
                            .desired()
                            .map(d -> d.problems())
                            .orElse(List.of())
                    + ", entry at " + node.name + " " + entryAt(node, p.address()) + " at owner "
                    + entryAt(p.agent(), p.address())
                    + ", problems " + node.name + "="
                    + node.controller.snapshot().problems() + " owner="
                    + p.agent().controller.snapshot().problems()
                    + ", ipam counters " + node.name + "=" + node.ipam.counters();
        }

        private static String entryAt(SimAgent a, IpAddress addr) {
            var ring = a.ipam.ring().orElseThrow();
            int i = ring.indexOf(addr);
            return ring.entries().get(i) + " range " + ring.rangeOf(i);
        }

        private static boolean covers(Route r, IpAddress a) {
            if (r.destination() == null) return false;
            return dev.weft.ipam.addr.Cidr.of(IpAddress.of(r.destination()), r.prefixLength())
                    .contains(a);
        }

        private void fail(String what) {
            throw new AssertionError(
                    "agent simulation seed=" + seed + " failed at step " + step + " (t=" + world.nowMs() + " ms): "
                            + what + "; replay with -Dweft.sim.seed=" + seed + " -Dweft.sim.steps=" + step);
        }
    }
}
