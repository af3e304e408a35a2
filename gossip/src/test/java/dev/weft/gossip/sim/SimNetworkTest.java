package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static dev.weft.gossip.sim.SimNetwork.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reusable harness itself: what another module (the agent) relies on. */
class SimNetworkTest {
    private static final SwimSettings S = SwimSettings.defaults();
    private static final PeerId A = PeerId.of(0xa1);
    private static final PeerId B = PeerId.of(0xb2);
    private static final PeerId C = PeerId.of(0xc3);

    /** Everything a member's listener hears, as "time-ms event peer detail". */
    static final class Log implements GossipListener {
        final SimNetwork net;
        final List<String> lines = new ArrayList<>();

        Log(SimNetwork net) {
            this.net = net;
        }

        @Override
        public void onMemberChanged(MemberView m) {
            lines.add(m.state() + " " + m.id() + " inc=" + m.incarnation());
        }

        @Override
        public void onRecordChanged(MemberView m) {
            lines.add("RECORD " + m.id() + " " + new String(m.record(), StandardCharsets.UTF_8));
        }

        @Override
        public void onMessage(PeerId from, String topic, byte[] payload) {
            lines.add("MESSAGE " + from + " " + topic + " " + new String(payload, StandardCharsets.UTF_8));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs one scripted scenario and returns every listener's log plus the byte counters. */
    private static List<String> scenario(long seed) {
        SimNetwork net = new SimNetwork(seed);
        Log la = new Log(net);
        Log lb = new Log(net);
        Log lc = new Log(net);
        SimMember a = net.add(A, S, utf8("rec-a"), la);
        SimMember b = net.add(B, S, utf8("rec-b"), lb);
        SimMember c = net.add(C, S, utf8("rec-c"), lc);
        net.join(B, A);
        net.join(C, A);
        assertThat(net.runUntil(net::converged, 10 * SECOND, 10 * MS)).isBetween(0L, 3 * SECOND);
        assertThat(new String(a.engine().member(B).record(), StandardCharsets.UTF_8))
                .isEqualTo("rec-b");

        // scheduled actions run on the simulated clock, in order with the protocol
        List<Boolean> accepted = new ArrayList<>();
        long t0 = net.now();
        net.at(t0 + 100 * MS, () -> a.engine().sendMessage(C, "ipam", utf8("space?"), accepted::add));
        net.at(t0 + 200 * MS, () -> b.engine().setRecord(utf8("rec-b2")));
        net.runFor(2 * SECOND);
        assertThat(accepted).containsExactly(true);
        assertThat(lc.lines).contains("MESSAGE " + A + " ipam space?");
        assertThat(la.lines).contains("RECORD " + B + " rec-b2");
        assertThat(net.now()).isEqualTo(t0 + 2 * SECOND);

        // partition C away from A and B: both sides declare the other dead; heal: back
        net.partition(Set.of(A, B), Set.of(C));
        assertThat(net.connected(A, C)).isFalse();
        assertThat(net.connected(A, B)).isTrue();
        assertThat(net.runUntil(
                        () -> a.engine().stateOf(C) == MemberState.DEAD
                                && c.engine().stateOf(A) == MemberState.DEAD,
                        30 * SECOND,
                        10 * MS))
                .isPositive();
        net.heal();
        assertThat(net.runUntil(net::converged, 120 * SECOND, 100 * MS)).isNotNegative();

        // kill B, restart it with the next incarnation: the others see it come back
        long incBefore = b.engine().incarnation();
        net.kill(B);
        assertThat(net.runUntil(() -> net.allSee(B, MemberState.DEAD), 30 * SECOND, 10 * MS))
                .isPositive();
        SimMember b2 = net.restart(B);
        assertThat(b2).isNotSameAs(b);
        assertThat(b.killed()).isTrue();
        assertThat(b2.engine().incarnation()).isGreaterThan(incBefore);
        net.join(B, C);
        assertThat(net.runUntil(() -> net.allSee(B, MemberState.ALIVE), 10 * SECOND, 10 * MS))
                .isNotNegative();
        assertThat(la.lines).contains("DEAD " + B + " inc=" + incBefore);

        // hang A: DEAD at the others, though its "sockets" stay open
        net.hang(A, true);
        assertThat(net.runUntil(() -> net.allSee(A, MemberState.DEAD), 30 * SECOND, 10 * MS))
                .isPositive();
        net.hang(A, false);

        // byte counters: UDP and streams apart, sent and received
        for (SimMember m : List.of(a, b2, c)) {
            assertThat(m.udpBytesSent()).isPositive();
            assertThat(m.udpBytesReceived()).isPositive();
            assertThat(m.streamBytesSent()).isPositive();
            assertThat(m.streamBytesReceived()).isPositive();
            assertThat(m.bytesSent()).isEqualTo(m.udpBytesSent() + m.streamBytesSent());
        }
        List<String> out = new ArrayList<>();
        out.addAll(la.lines);
        out.addAll(lb.lines);
        out.addAll(lc.lines);
        out.add("bytes " + a.udpBytesSent() + " " + a.streamBytesSent() + " " + c.udpBytesReceived() + " now "
                + net.now());
        return out;
    }

    @Test
    void membersEventsFaultsAndCountersAndTheSameSeedReplaysExactly() {
        List<String> first = scenario(11);
        assertThat(scenario(11)).as("same seed, same run").isEqualTo(first);
        assertThat(scenario(12)).as("another seed, another run").isNotEqualTo(first);
    }

    @Test
    void channelsHandOverAndTheOwnerMergesLaterOnTheSimulatedClock() {
        SimNetwork net = new SimNetwork(5);
        SimMember a = net.add(A, S, null, null);
        SimMember b = net.add(B, S, null, null);
        List<String> got = new ArrayList<>();
        CrdtChannel onB = new CrdtChannel() {
            @Override
            public byte[] localState() {
                return new byte[0];
            }

            @Override
            public void receive(PeerId from, byte[] state) {
                got.add(net.now() / MS + " state from " + from);
            }

            @Override
            public void receiveDelta(PeerId from, byte[] delta) {
                got.add("delta from " + from + " " + new String(delta, StandardCharsets.UTF_8));
            }
        };
        a.engine().registerChannel("ring", new CrdtChannel() {
            @Override
            public byte[] localState() {
                return utf8("a-state");
            }

            @Override
            public void receive(PeerId from, byte[] state) {}

            @Override
            public void receiveDelta(PeerId from, byte[] delta) {}
        });
        b.engine().registerChannel("ring", onB);
        net.join(B, A);
        net.runFor(SECOND);
        assertThat(got).as("join push-pull hands A's state to B").anyMatch(l -> l.endsWith("state from " + A));
        assertThat(a.channelStatesSent()).as("A's state in its push-pull reply").isPositive();
        assertThat(a.channelStateBytesSent()).isEqualTo(a.channelStatesSent() * "a-state".length());
        assertThat(a.deltasSent()).isZero();
        net.after(10 * MS, () -> a.engine().publishDelta("ring", utf8("d1")));
        net.runFor(3 * SECOND);
        assertThat(got).containsOnlyOnce("delta from " + A + " d1");
        assertThat(a.deltasSent()).as("the delta piggybacked on A's datagrams").isPositive();
        assertThat(a.deltaBytesSent()).isEqualTo(a.deltasSent() * "d1".length());
    }
}
