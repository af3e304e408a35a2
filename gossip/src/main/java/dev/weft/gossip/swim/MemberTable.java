package dev.weft.gossip.swim;

import dev.weft.id.PeerId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The members we know (tombstones included), the live count, the view hash, the randomised round-robin probe
 * order and random selection of live members. Pure bookkeeping: the rules that change states live in
 * {@link MembershipRules}.
 */
final class MemberTable {
    /**
     * Most live members (ALIVE or SUSPECT, us not counted) we hold: 10,000, past what Weft is built and measured
     * for (500). A new member beyond it is refused ({@link dev.weft.gossip.wire.DropReason#MEMBER_LIMIT}), so ids
     * a peer invents cannot grow memory without bound; members we already hold are unaffected.
     */
    static final int MAX_LIVE = 10_000;

    /**
     * Most tombstones (DEAD or LEFT members) we hold: 10,000. Beyond it the oldest (first to become a tombstone)
     * is forgotten before the tombstone TTL; stale gossip about a forgotten member can then resurrect it until
     * the member itself or push-pull corrects it (the same as after the TTL).
     */
    static final int MAX_TOMBSTONES = 10_000;

    private final Random random;
    private final Map<PeerId, Member> members = new HashMap<>();
    /** Members under suspicion (checked for timeouts every tick). */
    final Set<PeerId> suspects = new LinkedHashSet<>();
    /** Members declared DEAD recently (gossip-to-the-dead targets). */
    private final Set<PeerId> recentDead = new LinkedHashSet<>();
    /** Tombstones, oldest first (the eviction order). */
    private final Set<PeerId> tombstones = new LinkedHashSet<>();

    private long tombstonesEvicted;

    private final List<PeerId> probeOrder = new ArrayList<>();
    private int probeIndex;
    private int live; // members (other than us) in ALIVE or SUSPECT
    /** XOR of idHash over the live members and us: equal views give equal hashes (see ViewHash). */
    private long viewHash;

    MemberTable(PeerId self, Random random) {
        this.random = random;
        this.viewHash = ViewHash.of(self);
    }

    Member get(PeerId id) {
        return members.get(id);
    }

    boolean contains(PeerId id) {
        return members.containsKey(id);
    }

    Collection<Member> all() {
        return members.values();
    }

    int size() {
        return members.size();
    }

    int live() {
        return live;
    }

    long viewHash() {
        return viewHash;
    }

    /** False when a new live member would exceed {@link #MAX_LIVE}. */
    boolean roomForLive() {
        return live < MAX_LIVE;
    }

    /** Tombstones forgotten early because there were more than {@link #MAX_TOMBSTONES}. */
    long tombstonesEvicted() {
        return tombstonesEvicted;
    }

    int tombstones() {
        return tombstones.size();
    }

    /** A member first heard of as ALIVE. */
    void addLive(Member m) {
        members.put(m.id, m);
        becameLive(m);
    }

    /** A tombstone for a member we never knew (blocks stale ALIVE gossip about it). */
    void addTombstone(Member m) {
        members.put(m.id, m);
        tombstones.add(m.id);
        evictTombstones();
    }

    private void evictTombstones() {
        while (tombstones.size() > MAX_TOMBSTONES) {
            var it = tombstones.iterator();
            PeerId oldest = it.next();
            it.remove();
            members.remove(oldest);
            recentDead.remove(oldest);
            tombstonesEvicted++;
        }
    }

    /** A known member went from DEAD/LEFT back to a live state. */
    void becameLive(Member m) {
        tombstones.remove(m.id);
        live++;
        viewHash ^= ViewHash.of(m.id);
        probeOrder.add(probeIndex + random.nextInt(probeOrder.size() - probeIndex + 1), m.id);
    }

    /** A live member went DEAD or LEFT. */
    void becameNotLive(Member m, MemberState now) {
        live--;
        viewHash ^= ViewHash.of(m.id);
        suspects.remove(m.id);
        if (now == MemberState.DEAD) {
            recentDead.add(m.id);
        }
        tombstones.add(m.id);
        evictTombstones();
    }

    /** Records that a member talked to us; true if it is one we hold as live. */
    boolean heard(PeerId id, long now) {
        Member m = members.get(id);
        if (m != null) {
            m.lastHeardNanos = now;
            return m.state.isLive();
        }
        return false;
    }

    Member nextProbeTarget() {
        for (int attempts = 0; attempts < 2; attempts++) {
            while (probeIndex < probeOrder.size()) {
                Member m = members.get(probeOrder.get(probeIndex++));
                if (m != null && m.state.isLive() && m.address != null) {
                    return m;
                }
            }
            probeOrder.clear();
            for (Member m : members.values()) {
                if (m.state.isLive() && m.address != null) {
                    probeOrder.add(m.id);
                }
            }
            Collections.shuffle(probeOrder, random);
            probeIndex = 0;
        }
        return null;
    }

    Member randomLive(PeerId exclude) {
        List<Member> l = randomLive(1, exclude);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Up to k distinct random live members with an address, excluding {@code exclude} (may be null). */
    List<Member> randomLive(int k, PeerId exclude) {
        List<Member> pick = new ArrayList<>(k);
        if (members.isEmpty() || k <= 0) {
            return pick;
        }
        // probeOrder holds (nearly) all live ids; sampling from it avoids copying the table each time
        List<PeerId> pool = probeOrder.isEmpty() ? new ArrayList<>(members.keySet()) : probeOrder;
        int tries = 0;
        while (pick.size() < k && tries++ < 4 * k + 8) {
            Member m = members.get(pool.get(random.nextInt(pool.size())));
            if (m != null && m.state.isLive() && m.address != null && !m.id.equals(exclude) && !pick.contains(m)) {
                pick.add(m);
            }
        }
        return pick;
    }

    /** A random member declared DEAD within {@code window} (forgets older ones), or null. */
    Member recentlyDead(long now, long window) {
        List<Member> l = new ArrayList<>();
        for (PeerId id : recentDead) {
            Member m = members.get(id);
            if (m != null && m.state == MemberState.DEAD && m.address != null && now - m.stateSinceNanos <= window) {
                l.add(m);
            }
        }
        recentDead.removeIf(id -> {
            Member m = members.get(id);
            return m == null || m.state != MemberState.DEAD || now - m.stateSinceNanos > window;
        });
        return l.isEmpty() ? null : l.get(random.nextInt(l.size()));
    }

    /** Forgets tombstones older than {@code ttl}; returns the ids forgotten. */
    List<PeerId> reap(long now, long ttl) {
        if (members.size() == live) {
            return List.of(); // no tombstones
        }
        List<PeerId> gone = new ArrayList<>();
        members.values().removeIf(m -> {
            boolean old = !m.state.isLive() && now - m.stateSinceNanos > ttl;
            if (old) {
                gone.add(m.id);
                tombstones.remove(m.id);
            }
            return old;
        });
        return gone;
    }
}
