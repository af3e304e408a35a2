package dev.weft.gossip.swim;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.id.PeerId;
import java.util.SplittableRandom;

/** Test help: ALIVE updates signed the way their owner would (tests craft updates by hand). */
public final class Signed {
    private Signed() {}

    /**
     * The key an engine built with the id-only constructor uses for {@code id} (drawn from the id, kept as a
     * legacy id): what that member would sign with.
     */
    public static IdentityKey keyOf(PeerId id) {
        return IdentityKey.generate(new SplittableRandom(id.value()));
    }

    /** {@code u} signed by the owner of its member id (see {@link #keyOf}). */
    public static MemberUpdate alive(MemberUpdate u) {
        PeerId id = PeerId.parse(u.getMemberId());
        return AliveSignature.sign(u, id, keyOf(id));
    }

    /** {@code u} signed by {@code key} (a forger's own key, say). */
    public static MemberUpdate alive(MemberUpdate u, IdentityKey key) {
        return AliveSignature.sign(u, PeerId.parse(u.getMemberId()), key);
    }

    /** {@code d} signed by the owner of its origin id (see {@link #keyOf}). */
    public static dev.weft.gossip.wire.proto.ChannelDelta delta(dev.weft.gossip.wire.proto.ChannelDelta d) {
        PeerId origin = PeerId.parse(d.getOriginId());
        return DeltaSignature.sign(d, origin, keyOf(origin));
    }

    public static MemberUpdate alive(MemberUpdate.Builder u) {
        return alive(u.build());
    }

    /** {@code cs} signed by {@code sender} as its own full state (see {@link #keyOf}). */
    public static dev.weft.gossip.wire.proto.ChannelState state(
            dev.weft.gossip.wire.proto.ChannelState cs, PeerId sender) {
        return cs.toBuilder()
                .setSignature(
                        StateSignature.sign(StateSignature.state(cs.getName(), sender, cs.getState()), keyOf(sender)))
                .build();
    }
}
