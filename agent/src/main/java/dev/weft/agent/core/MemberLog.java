package dev.weft.agent.core;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log lines an operator sees when a peer's membership changes: what happened and what to check. */
final class MemberLog {
    private static final Logger log = LoggerFactory.getLogger(MemberLog.class);

    private MemberLog() {}

    static void stateChanged(MemberView m, MemberState before, boolean known, String nickname, int gossipPort) {
        switch (m.state()) {
            case ALIVE ->
                log.atInfo()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", m.address())
                        .addKeyValue("incarnation", m.incarnation())
                        .log(known && before != null ? "peer is alive again" : "peer joined");
            case SUSPECT ->
                log.atWarn()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", m.address())
                        .log(
                                "peer is not answering probes and is suspected to have failed; if it does not refute soon it is "
                                        + "declared dead: is its agent running, and are UDP and TCP " + gossipPort
                                        + " open between the nodes?");
            case DEAD ->
                log.atWarn()
                        .addKeyValue("peer", m.id())
                        .addKeyValue("nickname", nickname)
                        .addKeyValue("addr", m.address())
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
