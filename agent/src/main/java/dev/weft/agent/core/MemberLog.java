package dev.weft.agent.core;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log lines an operator sees when a peer's membership changes: what happened and what to check. A peer that
 * joins is logged once its node record (and so its name) has arrived, or after {@link #RECORD_WAIT_MS} with
 * "record pending".
 */
final class MemberLog {
    private static final Logger log = LoggerFactory.getLogger(MemberLog.class);

    /** A join is logged at the latest this long after it, with or without the peer's name. */
    static final long RECORD_WAIT_MS = 5_000;

    private record Join(MemberView member, boolean again, long atMs) {}

    private final Map<PeerId, Join> joins = new HashMap<>();
    private final int gossipPort;

    MemberLog(int gossipPort) {
        this.gossipPort = gossipPort;
    }

    /** The peer's state changed ({@code peer} is its entry after the change). */
    void stateChanged(MemberView m, MemberState before, boolean known, PeerTable.Peer peer, long now) {
        joins.remove(m.id());
        boolean again = known && before != null;
        if (m.state() == MemberState.ALIVE && peer.record().isEmpty()) {
            joins.put(m.id(), new Join(m, again, now));
            return;
        }
        line(m, again, peer.nickname());
    }

    /** The peer's record may have arrived: a join that waited for it is logged now. */
    void recordChanged(PeerTable.Peer peer) {
        Join j = joins.get(peer.id());
        if (j == null || peer.record().isEmpty()) return;
        joins.remove(peer.id());
        line(j.member(), j.again(), peer.nickname());
    }

    /** Joins whose record did not come in time are logged without the name. */
    void onTick(long now) {
        for (var it = joins.values().iterator(); it.hasNext(); ) {
            Join j = it.next();
            if (now - j.atMs() < RECORD_WAIT_MS) continue;
            it.remove();
            line(j.member(), j.again(), "(record pending)");
        }
    }

    /** host:port, without the leading slash of {@link InetSocketAddress#toString()}. */
    static String addr(InetSocketAddress a) {
        if (a == null) return "?";
        String host =
                a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void line(MemberView m, boolean again, String nickname) {
        switch (m.state()) {
            case ALIVE ->
                log.atInfo()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", addr(m.address()))
                        .addKeyValue("incarnation", m.incarnation())
                        .log(again ? "peer is alive again" : "peer joined");
            case SUSPECT ->
                log.atWarn()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", addr(m.address()))
                        .log(
                                "peer is not answering probes and is suspected to have failed; if it does not refute soon it is "
                                        + "declared dead: is its agent running, and are UDP and TCP " + gossipPort
                                        + " open between the nodes?");
            case DEAD ->
                log.atWarn()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", addr(m.address()))
                        .log(
                                "peer declared dead: routes to its pods stay until its ranges are reclaimed; if the node is gone for "
                                        + "good run 'weft rmpeer " + m.id()
                                        + "' on one node (Kubernetes does this when the Node is deleted)");
            case LEFT ->
                log.atInfo()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .log("peer left the cluster gracefully");
        }
    }
}
