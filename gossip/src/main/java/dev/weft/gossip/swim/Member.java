package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/** Mutable entry of the member table; owned by the engine thread. */
final class Member {
    final PeerId id;
    InetSocketAddress address;
    MemberState state;
    long incarnation;
    ByteString record = ByteString.EMPTY;
    /** The member's identity key and its signature on the ALIVE at {@link #incarnation} (relayed unchanged). */
    ByteString publicKey = ByteString.EMPTY;

    ByteString signature = ByteString.EMPTY;
    long lastHeardNanos;
    long stateSinceNanos;
    Suspicion suspicion;

    Member(PeerId id, InetSocketAddress address, MemberState state, long incarnation, long nowNanos) {
        this.id = id;
        this.address = address;
        this.state = state;
        this.incarnation = incarnation;
        this.lastHeardNanos = nowNanos;
        this.stateSinceNanos = nowNanos;
    }

    MemberView view() {
        return new MemberView(id, address, state, incarnation, record.toByteArray(), lastHeardNanos, stateSinceNanos);
    }
}
