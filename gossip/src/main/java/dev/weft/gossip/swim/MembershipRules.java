package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The SWIM state rules for incoming membership updates (piggybacked or in a full-state exchange): ALIVE wins only
 * with a higher incarnation (so tombstones hold), suspicions start and collect confirmations, DEAD/LEFT end a
 * member, accusations against ourselves are refuted, stale accusations are answered with our newer knowledge.
 */
final class MembershipRules {
    /**
     * Largest step (2^20) an update may move a member's incarnation above what we know of it (ourselves
     * included); larger ones are dropped ({@link DropReason#INCARNATION_JUMP}). A member raises its own
     * incarnation by one per start, record change or refutation, so an honest member moves by a handful between
     * two updates we see, and even a member we missed for the whole tombstone TTL stays far below a million.
     * A compromised member can still push a victim up, but only by this step per update, which the victim
     * refutes at once; reaching {@link Long#MAX_VALUE} (where refutation saturates, see
     * {@link LocalMember#next}) would take 2^43 accepted updates.
     */
    static final long MAX_INCARNATION_STEP = 1L << 20;

    /**
     * Highest incarnation (2^40) accepted for a member we hold nothing about (first sight, including after its
     * tombstone was reaped): no agent restarts or changes its record 2^40 times, and it leaves 2^63 - 2^40 of
     * room to refute above it.
     */
    static final long MAX_FIRST_INCARNATION = 1L << 40;

    private final EngineContext ctx;
    private long keyUnknown;

    MembershipRules(EngineContext ctx) {
        this.ctx = ctx;
    }

    /**
     * A piggybacked update. Ids that are not peer ids, oversized records and incarnation jumps are dropped and
     * counted.
     */
    void apply(MemberUpdate u, long now) {
        PeerId id = Ids.parse(u.getMemberId(), ctx.counters);
        if (id == null) {
            return;
        }
        if (u.getRecord().size() > ctx.cfg.maxRecordBytes()) {
            ctx.counters.drop(DropReason.MALFORMED);
            return;
        }
        if (!plausibleIncarnation(id, u.getIncarnation())) {
            ctx.counters.drop(DropReason.INCARNATION_JUMP);
            return;
        }
        switch (u.getStatus()) {
            case ALIVE -> applyAlive(id, u, true, now);
            case SUSPECT -> {
                PeerId from = Ids.parse(u.getFromId(), ctx.counters);
                if (from != null) {
                    applySuspect(id, u.getIncarnation(), from, now);
                }
            }
            case DEAD -> applyDead(id, u, MemberState.DEAD, now);
            case LEFT -> applyDead(id, u, MemberState.LEFT, now);
            default -> ctx.counters.drop(DropReason.MALFORMED);
        }
    }

    /**
     * The member list of a full-state exchange from {@code sender}. An ALIVE entry about a member we did not hold is
     * rumoured on only if it is the sender's own: the others are its view, not news it heard (whoever had news among
     * them rumours it already, and a member that missed a rumour repairs its own view the same way). Before, every
     * member rumoured every member its exchanges introduced: after a 500-member mass join (each joiner learns the
     * whole cluster at once, each member exchanges with senders it does not know yet) every member held ~500 such
     * updates, and a join right after it waited behind them (5.8 s to be known by all, seed 42). A new incarnation
     * of a member we held (e.g. a refutation from the other side of a healed partition) is rumoured as before.
     * SUSPECT, DEAD and LEFT are handled as before.
     */
    void mergeMembers(PeerId sender, List<MemberUpdate> updates, long now) {
        for (MemberUpdate u : updates) {
            PeerId id = Ids.parse(u.getMemberId(), ctx.counters);
            if (id == null) {
                continue;
            }
            if (u.getRecord().size() > ctx.cfg.maxRecordBytes()) {
                ctx.counters.drop(DropReason.MALFORMED);
                continue;
            }
            if (!plausibleIncarnation(id, u.getIncarnation())) {
                ctx.counters.drop(DropReason.INCARNATION_JUMP);
                continue;
            }
            switch (u.getStatus()) {
                case ALIVE -> applyAlive(id, u, id.equals(sender), now);
                case LEFT -> applyDead(id, u, MemberState.LEFT, now);
                case SUSPECT -> applySuspect(id, u.getIncarnation(), sender, now);
                case DEAD -> {
                    // Like memberlist: a remote "dead" only makes us suspect a member we think live, so a
                    // partitioned side cannot kill members we can still reach; unknown ones become tombstones.
                    if (ctx.table.contains(id) || id.equals(ctx.self.id)) {
                        applySuspect(id, u.getIncarnation(), sender, now);
                    } else {
                        applyDead(id, u, MemberState.DEAD, now);
                    }
                }
                default -> ctx.counters.drop(DropReason.MALFORMED);
            }
        }
    }

    /**
     * True if {@code inc} is at most {@link #MAX_INCARNATION_STEP} above what we know of {@code id} (our own
     * incarnation for us, the table's for a member or tombstone we hold), or at most
     * {@link #MAX_FIRST_INCARNATION} for one we do not hold. The wire field is a uint64: values of 2^63 and more
     * arrive negative here and are refused too.
     */
    boolean plausibleIncarnation(PeerId id, long inc) {
        if (inc < 0) {
            return false;
        }
        long known;
        if (id.equals(ctx.self.id)) {
            known = ctx.self.incarnation;
        } else {
            Member m = ctx.table.get(id);
            if (m == null) {
                return inc <= MAX_FIRST_INCARNATION;
            }
            known = m.incarnation;
        }
        return inc <= known || inc - known <= MAX_INCARNATION_STEP; // both >= 0: the difference cannot overflow
    }

    /**
     * An ALIVE update; {@code rumourNewMember}: pass it on if it introduces a member to us (false for third-party
     * entries of a full-state exchange, see {@link #mergeMembers}); a new incarnation is always passed on. What we
     * pass on carries the member's key only if the member was new to us (then it is likely new to others); an update
     * about a member we already held goes on without it, since whoever held the member before holds its key (the
     * wire comment of {@code MemberUpdate.public_key}).
     */
    private void applyAlive(PeerId id, MemberUpdate u, boolean rumourNewMember, long now) {
        LocalMember self = ctx.self;
        if (id.equals(self.id)) {
            boolean differs = !u.getRecord().equals(self.record) || u.getIncarnation() > self.incarnation;
            if (u.getIncarnation() >= self.incarnation && differs) {
                // an ALIVE of an earlier start of ours, or a forgery (counted): refute either way, since a member
                // that never heard of us may have pinned a forger's key on first sight (PeerKeys)
                signedByOwner(id, u);
                refute(u.getIncarnation());
            }
            return;
        }
        InetSocketAddress addr = Endpoints.fromWire(u.getAddress());
        if (addr == null) {
            ctx.counters.drop(DropReason.MALFORMED);
            return;
        }
        Member m = ctx.table.get(id);
        if (m == null) {
            if (!ctx.table.roomForLive()) {
                ctx.counters.drop(DropReason.MEMBER_LIMIT);
                return;
            }
            ByteString key = signedByOwner(id, u);
            if (key == null) {
                return;
            }
            m = new Member(id, addr, MemberState.ALIVE, u.getIncarnation(), now);
            m.record = u.getRecord();
            m.publicKey = key;
            m.signature = u.getSignature();
            ctx.table.addLive(m);
            if (rumourNewMember) {
                ctx.gossip.enqueue(relayed(u, key));
            }
            ctx.out.memberChanged(m.view(), null);
            return;
        }
        if (u.getIncarnation() <= m.incarnation) {
            return;
        }
        ByteString key = signedByOwner(id, u);
        if (key == null) {
            return;
        }
        MemberState prev = m.state;
        boolean recordChanged = !m.record.equals(u.getRecord());
        // a tombstone made from a DEAD/LEFT of a member we never knew holds no key: whoever gets this from us may
        // not either
        boolean keyWasKnown = !m.publicKey.isEmpty();
        m.incarnation = u.getIncarnation();
        m.address = addr;
        m.record = u.getRecord();
        m.publicKey = key;
        m.signature = u.getSignature();
        m.suspicion = null;
        ctx.gossip.enqueue(relayed(u, keyWasKnown ? ByteString.EMPTY : key));
        if (prev != MemberState.ALIVE) {
            m.state = MemberState.ALIVE;
            m.stateSinceNanos = now;
            if (!prev.isLive()) {
                ctx.table.becameLive(m);
            }
            ctx.out.memberChanged(m.view(), prev);
        } else if (recordChanged) {
            ctx.out.recordChanged(m.view());
        }
    }

    /** {@code u} as we pass it on: with {@code key} (empty: without one) and without a declarer (ALIVE has none). */
    private static MemberUpdate relayed(MemberUpdate u, ByteString key) {
        if (u.getPublicKey().equals(key) && u.getFromId().isEmpty()) {
            return u;
        }
        return u.toBuilder().setPublicKey(key).clearFromId().build();
    }

    /** ALIVE updates we could not check yet because they came without a key and we hold none for the member. */
    long keyUnknown() {
        return keyUnknown;
    }

    /**
     * The key the owner of {@code id} signed this ALIVE with ({@link AliveSignature}), or null after counting why
     * not ({@code unsigned_record}, {@code id_key_mismatch}, {@code bad_signature}). An update that left its key out
     * for a member whose key we do not hold is not a drop (a relayer assumed we knew the member): it is counted in
     * {@link #keyUnknown} and ignored; the member reaches us with its key in a rumour of its own or in a full-state
     * exchange (view repair). Called only for an update that would change something (a new member or a higher
     * incarnation), so each (member, incarnation) is verified once however often it is relayed.
     */
    private ByteString signedByOwner(PeerId id, MemberUpdate u) {
        ByteString key = AliveSignature.keyFor(ctx.keys, id, u);
        if (key.isEmpty() && !u.getSignature().isEmpty()) {
            keyUnknown++;
            return null;
        }
        DropReason why = AliveSignature.check(ctx.keys, id, u, key);
        if (why != null) {
            ctx.counters.drop(why);
            return null;
        }
        return key;
    }

    private void applySuspect(PeerId id, long inc, PeerId from, long now) {
        if (id.equals(ctx.self.id)) {
            if (inc >= ctx.self.incarnation && !ctx.self.leaving) {
                refute(inc);
            }
            return;
        }
        Member m = ctx.table.get(id);
        if (m == null || !m.state.isLive()) {
            return;
        }
        if (inc < m.incarnation) {
            correctStale(m);
            return;
        }
        if (m.state == MemberState.SUSPECT && inc == m.incarnation) {
            if (m.suspicion.confirm(from)) {
                ctx.gossip.enqueue(update(m, MemberStatus.SUSPECT, from));
            }
            return;
        }
        suspect(m, inc, from, now);
    }

    /** Starts suspecting a live member (our own failed probe, or someone's accusation). */
    void suspect(Member m, long inc, PeerId from, long now) {
        MemberState prev = m.state;
        m.incarnation = inc;
        m.state = MemberState.SUSPECT;
        m.stateSinceNanos = now;
        int n = ctx.clusterSize();
        long min = Timing.suspicionMinNanos(ctx.cfg.suspicionMult(), n, ctx.probeNanos());
        long max = min * ctx.cfg.suspicionMaxMult();
        m.suspicion = new Suspicion(from, now, Timing.expectedConfirmations(ctx.cfg.indirectChecks(), n), min, max);
        ctx.table.suspects.add(m.id);
        ctx.gossip.enqueue(update(m, MemberStatus.SUSPECT, from));
        if (prev != MemberState.SUSPECT) {
            ctx.out.memberChanged(m.view(), prev);
        }
    }

    private void applyDead(PeerId id, MemberUpdate u, MemberState state, long now) {
        if (id.equals(ctx.self.id)) {
            if (!ctx.self.leaving && u.getIncarnation() >= ctx.self.incarnation) {
                refute(u.getIncarnation());
            }
            return;
        }
        Member m = ctx.table.get(id);
        if (m == null) {
            ctx.table.addTombstone(new Member(id, null, state, u.getIncarnation(), now));
            return;
        }
        if (!m.state.isLive()) {
            return;
        }
        if (u.getIncarnation() < m.incarnation) {
            correctStale(m);
            return;
        }
        declare(m, state, u.getIncarnation(), now);
        ctx.gossip.enqueue(u);
    }

    /** Ends a live member: DEAD (suspicion timed out, or gossip says so) or LEFT. */
    void declare(Member m, MemberState state, long inc, long now) {
        MemberState prev = m.state;
        if (prev.isLive()) {
            ctx.table.becameNotLive(m, state);
        }
        m.state = state;
        m.incarnation = inc;
        m.stateSinceNanos = now;
        m.suspicion = null;
        ctx.table.suspects.remove(m.id);
        ctx.out.memberChanged(m.view(), prev);
    }

    /**
     * Someone spreads an accusation against an older incarnation of a member we know is ALIVE at a newer one:
     * pass our newer knowledge on, so the stale accusation is answered along the paths it travels (otherwise a
     * member that missed the refutation could time the stale suspicion out into a false DEAD).
     */
    private void correctStale(Member m) {
        if (m.state == MemberState.ALIVE && m.address != null && ctx.gossip.transmits(m.id) < 0) {
            ctx.gossip.enqueue(MemberUpdate.newBuilder()
                    .setStatus(MemberStatus.ALIVE)
                    .setMemberId(m.id.toString())
                    .setIncarnation(m.incarnation)
                    .setAddress(Endpoints.toWire(m.address))
                    .setRecord(m.record)
                    .setSignature(m.signature) // no key: whoever accuses the member holds it
                    .build());
        }
    }

    private void refute(long accusedIncarnation) {
        ctx.gossip.enqueue(ctx.self.refute(accusedIncarnation));
    }

    static MemberUpdate update(Member m, MemberStatus status, PeerId from) {
        return MemberUpdate.newBuilder()
                .setStatus(status)
                .setMemberId(m.id.toString())
                .setIncarnation(m.incarnation)
                .setFromId(from.toString())
                .build();
    }

    /**
     * Our view of a member for a full-state exchange: ALIVE with the member's key and signature. No declarer: the
     * receiver takes the exchange's sender as the declarer of a SUSPECT or DEAD entry.
     */
    static MemberUpdate describe(Member m) {
        MemberStatus s = switch (m.state) {
            case ALIVE -> MemberStatus.ALIVE;
            case SUSPECT -> MemberStatus.SUSPECT;
            case DEAD -> MemberStatus.DEAD;
            case LEFT -> MemberStatus.LEFT;
        };
        MemberUpdate.Builder u = MemberUpdate.newBuilder()
                .setStatus(s)
                .setMemberId(m.id.toString())
                .setIncarnation(m.incarnation)
                .setRecord(m.record);
        if (m.address != null) {
            u.setAddress(Endpoints.toWire(m.address));
        }
        if (s == MemberStatus.ALIVE) {
            u.setPublicKey(m.publicKey).setSignature(m.signature);
        }
        return u.build();
    }
}
