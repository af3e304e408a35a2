package dev.weft.gossip.swim;

import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.PushPull;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The member list of a full-state exchange (push-pull). A request carries every member we hold (ALIVE with key and
 * signature: the receiver may hold nothing). The reply carries only what the request shows its sender lacks: a member
 * the sender sent at least as new as ours is left out (merging our entry would change nothing there), and a member
 * it sent as ALIVE with its key goes without the key (it holds it). In a settled cluster a reply is nearly empty, so
 * a periodic push-pull costs one member list instead of two. A request that claims more than its sender has only
 * costs that sender: nothing it claims is believed here without the owner's signature.
 */
final class MemberList {
    private MemberList() {}

    /** Us and every member we hold, less what {@code told} (empty for a request) covers. */
    static List<MemberUpdate> ours(EngineContext ctx, Map<String, MemberUpdate> told) {
        List<MemberUpdate> l = new ArrayList<>(ctx.table.size() + 1);
        add(l, ctx.self.current(), told);
        for (Member m : ctx.table.all()) {
            add(l, MembershipRules.describe(m), told);
        }
        return l;
    }

    private static void add(List<MemberUpdate> l, MemberUpdate ours, Map<String, MemberUpdate> told) {
        MemberUpdate theirs = told.get(ours.getMemberId());
        if (theirs == null) {
            l.add(ours);
        } else if (!covers(theirs, ours)) {
            l.add(
                    theirs.getStatus() == MemberStatus.ALIVE
                                    && !theirs.getPublicKey().isEmpty()
                                    && ours.getStatus() == MemberStatus.ALIVE
                            ? ours.toBuilder().clearPublicKey().build()
                            : ours);
        }
    }

    /**
     * True if {@code theirs} makes {@code ours} useless to its holder: a higher incarnation, or the same with a
     * status at least as strong (ALIVE < SUSPECT < DEAD = LEFT, SWIM's order). A SUSPECT is always sent: an equal one
     * still counts as a confirmation.
     */
    static boolean covers(MemberUpdate theirs, MemberUpdate ours) {
        if (ours.getStatus() == MemberStatus.SUSPECT) {
            return false;
        }
        int c = Long.compareUnsigned(theirs.getIncarnation(), ours.getIncarnation());
        if (c != 0) {
            return c > 0;
        }
        return rank(theirs.getStatus()) >= rank(ours.getStatus());
    }

    private static int rank(MemberStatus s) {
        return switch (s) {
            case ALIVE -> 0;
            case SUSPECT -> 1;
            case DEAD, LEFT -> 2;
            default -> -1;
        };
    }

    /** A request's member entries by member id (the last wins; the frame cap bounds their number). */
    static Map<String, MemberUpdate> told(PushPull request) {
        Map<String, MemberUpdate> m = new HashMap<>(request.getMembersCount() * 2);
        for (MemberUpdate u : request.getMembersList()) {
            m.put(u.getMemberId(), u);
        }
        return m;
    }
}
