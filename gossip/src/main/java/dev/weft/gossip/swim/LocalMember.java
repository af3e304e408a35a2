package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/** This member's own protocol state (id, incarnation, record, leaving); owned by the engine thread. */
final class LocalMember {
    final PeerId id;
    /** {@code id.toString()}: what the wire carries. */
    final String wireId;

    final InetSocketAddress address;
    long incarnation;
    ByteString record = ByteString.EMPTY;
    boolean leaving;
    private final IdentityKey key;
    /** The last signed ALIVE: signed again only when the incarnation or the record changed. */
    private MemberUpdate signedAlive;

    LocalMember(PeerId id, InetSocketAddress address, long incarnation, IdentityKey key) {
        this.id = id;
        this.wireId = id.toString();
        this.address = address;
        this.incarnation = incarnation;
        this.key = key;
    }

    /** Our ALIVE update, signed with our identity key ({@link AliveSignature}). */
    MemberUpdate alive() {
        MemberUpdate s = signedAlive;
        if (s != null && s.getIncarnation() == incarnation && s.getRecord().equals(record)) {
            return s;
        }
        MemberUpdate unsigned = MemberUpdate.newBuilder()
                .setStatus(MemberStatus.ALIVE)
                .setMemberId(wireId)
                .setIncarnation(incarnation)
                .setAddress(Endpoints.toWire(address))
                .setRecord(record)
                .build();
        signedAlive = AliveSignature.sign(unsigned, id, key);
        return signedAlive;
    }

    MemberUpdate left() {
        return MemberUpdate.newBuilder()
                .setStatus(MemberStatus.LEFT)
                .setMemberId(wireId)
                .setIncarnation(incarnation)
                .setFromId(wireId)
                .build();
    }

    /** What we say about ourselves in a full-state exchange. */
    MemberUpdate current() {
        return leaving ? left() : alive();
    }

    /**
     * Someone accused an incarnation we still have (or a newer one): gossip ALIVE with a higher one. Without our key:
     * whoever holds an accusation against us holds us, and so our key (it would cost 34 bytes in every copy).
     */
    MemberUpdate refute(long accusedIncarnation) {
        incarnation = next(Math.max(incarnation, accusedIncarnation));
        return alive().toBuilder().clearPublicKey().build();
    }

    /**
     * The incarnation after {@code inc}, saturating at {@link Long#MAX_VALUE} instead of wrapping to
     * {@link Long#MIN_VALUE} (a wrapped incarnation would never win again). Unreachable in practice: incarnations
     * only move by bounded steps ({@link MembershipRules#MAX_INCARNATION_STEP}); this is the last line.
     */
    static long next(long inc) {
        return inc == Long.MAX_VALUE ? Long.MAX_VALUE : inc + 1;
    }
}
