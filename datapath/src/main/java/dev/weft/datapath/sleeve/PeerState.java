package dev.weft.datapath.sleeve;

import java.net.InetSocketAddress;

/** Runtime state of one sleeve peer: destination, inner MAC, encryption sessions (null when plain). */
final class PeerState {
    final SleevePeer peer;
    final byte[] vtepMac;
    final InetSocketAddress destination;
    final PeerSessions sessions;
    final PrefixTable<Boolean> sources;

    PeerState(SleevePeer peer, InetSocketAddress destination, PeerSessions sessions, PrefixTable<Boolean> sources) {
        this.peer = peer;
        this.vtepMac = peer.vtepMac().bytes();
        this.destination = destination;
        this.sessions = sessions;
        this.sources = sources;
    }
}
