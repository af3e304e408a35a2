package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathHealthTest {
    static final long MS = 1_000_000L;
    static final long P = 0xabcL;

    final List<String> changes = new ArrayList<>();
    final PathHealth health = new PathHealth(
            new PathHealth.Settings(3, 2, Duration.ofMillis(500), true),
            (peer, from, to, reason) -> changes.add(Long.toHexString(peer) + " " + from + "->" + to + ": " + reason));
    long now = 1_000 * MS;
    long seq;

    void probe(boolean answered) {
        long s = seq++;
        health.onProbeSent(P, s, now);
        now += 100 * MS;
        if (answered) health.onProbeAck(P, s, now);
        now += 900 * MS;
        health.onTick(now);
    }

    @Test
    void fallsBackAfterNConsecutiveFailuresAndUpgradesAfterMSuccesses() {
        health.addPeer(P);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.KERNEL);
        probe(false);
        probe(false);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.KERNEL);
        probe(true); // a success resets the failure streak
        probe(false);
        probe(false);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.KERNEL);
        probe(false);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0))
                .startsWith("abc KERNEL->SLEEVE: 3 consecutive probes")
                .contains("no answer to probe within 500 ms");

        probe(true);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
        probe(false);
        probe(true);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
        long beforeUpgrade = now;
        probe(true);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.KERNEL);
        assertThat(changes).hasSize(2);

        PathHealth.PeerStatus st = health.snapshot().get(0);
        assertThat(st.peerId()).isEqualTo(P);
        assertThat(st.mode()).isEqualTo(PathHealth.Mode.KERNEL);
        assertThat(st.lastSuccessNanos()).isEqualTo(beforeUpgrade + 100 * MS);
        assertThat(st.lastChangeNanos()).isEqualTo(beforeUpgrade + 100 * MS);
        assertThat(st.modeChanges()).isEqualTo(2);
        assertThat(st.probesSent()).isEqualTo(10);
        assertThat(st.probesFailed()).isEqualTo(6);
    }

    @Test
    void lateAnswersCountAsFailuresAndUnknownAnswersAreIgnored() {
        health.addPeer(P);
        health.onProbeSent(P, 1, now);
        health.onProbeAck(P, 1, now + 600 * MS);
        health.onProbeAck(P, 99, now + 600 * MS);
        health.onProbeAck(0x999, 1, now);
        PathHealth.PeerStatus st = health.snapshot().get(0);
        assertThat(st.consecutiveFailures()).isEqualTo(1);
        assertThat(st.lastSuccessNanos()).isEqualTo(-1);
    }

    @Test
    void timeoutIsMeasuredFromTheSendTime() {
        health.addPeer(P);
        health.onProbeSent(P, 1, now);
        health.onTick(now + 499 * MS);
        assertThat(health.snapshot().get(0).consecutiveFailures()).isZero();
        health.onTick(now + 501 * MS);
        assertThat(health.snapshot().get(0).consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void withoutKernelVxlanEveryPeerStaysOnTheSleeve() {
        PathHealth h = new PathHealth(
                new PathHealth.Settings(1, 1, Duration.ofMillis(500), false), (p, f, t, r) -> changes.add(r));
        h.addPeer(P);
        assertThat(h.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
        h.onProbeResult(P, true, now);
        h.onProbeResult(P, true, now);
        assertThat(h.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(h.mode(0x777)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(changes).isEmpty();
    }

    @Test
    void removedPeersAreForgotten() {
        health.addPeer(P);
        health.addPeer(1);
        health.removePeer(P);
        assertThat(health.snapshot()).extracting(PathHealth.PeerStatus::peerId).containsExactly(1L);
        health.onProbeSent(P, 1, now); // ignored
        assertThat(health.snapshot()).hasSize(1);
    }

    @Test
    void outstandingProbesAreBounded() {
        health.addPeer(P);
        for (int i = 0; i < 70; i++) health.onProbeSent(P, i, now);
        assertThat(health.mode(P)).isEqualTo(PathHealth.Mode.SLEEVE);
    }
}
