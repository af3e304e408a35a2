package dev.weft.ipam.ring;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Generates rings that real peers could hold: a seeded random history of owner operations (claim,
 * free updates, donations, reclaims of dead peers) and state exchanges on per-peer replicas. Every
 * owner operation also yields the delta its peer would publish ({@link #deltas}), and every state a
 * replica passes through is kept ({@link #snapshots}).
 */
final class RingHistory {
    final RingConfig config;
    final List<String> names = new ArrayList<>();
    final long[] ids;
    final Ring[] replicas;
    final Set<Integer> dead = new HashSet<>();
    final Ring initial;
    final List<RingDelta> deltas = new ArrayList<>();
    final List<Ring> snapshots = new ArrayList<>();
    final Random random;

    RingHistory(long seed, int peers, Cidr range, int minBlock) {
        this.random = new Random(seed);
        this.config = new RingConfig(range, minBlock);
        this.ids = new long[peers];
        this.replicas = new Ring[peers];
        int seeds = 1 + random.nextInt(peers);
        for (int p = 0; p < peers; p++) {
            names.add("node-" + p);
            ids[p] = 1000 + p;
        }
        initial = Ring.fromSeeds(config, names.subList(0, seeds));
        for (int p = 0; p < peers; p++) {
            replicas[p] = initial;
        }
    }

    static RingHistory random(long seed, int steps) {
        boolean v6 = (seed & 1) == 1;
        RingHistory h = new RingHistory(
                seed,
                2 + (int) Math.floorMod(seed >> 1, 4),
                v6 ? Cidr.parse("fd00:32::/112") : Cidr.parse("10.32.0.0/20"),
                v6 ? 64 : 16);
        h.run(steps);
        return h;
    }

    void run(int steps) {
        for (int s = 0; s < steps; s++) {
            step();
        }
    }

    void step() {
        int p = random.nextInt(ids.length);
        if (dead.contains(p)) {
            return;
        }
        Ring r = replicas[p];
        int op = random.nextInt(6);
        switch (op) {
            case 0 -> replicas[p] = r.claimSeed(ids[p], names.get(p));
            case 1 -> {
                List<IpRange> own = r.rangesOwnedBy(ids[p]);
                if (!own.isEmpty()) {
                    int i = r.indexOf(own.get(random.nextInt(own.size())).start());
                    long size = r.sizeOf(i);
                    replicas[p] = RingOperations.withFree(
                            r, ids[p], r.entries().get(i).token(), Math.floorMod(random.nextLong(), size + 1));
                }
            }
            case 2 -> donate(p);
            case 3, 4 -> {
                int q = random.nextInt(ids.length);
                replicas[p] = r.merge(replicas[q]).ring();
            }
            default -> {
                // reclaim a peer that died after its last state reached p; only one peer reclaims a given
                // peer (the external guard: operator or Kubernetes lease)
                int q = random.nextInt(ids.length);
                if (q != p && !dead.contains(q) && dead.size() < ids.length - 2 && random.nextInt(4) == 0) {
                    Ring withQ = r.merge(replicas[q]).ring();
                    if (!withQ.isRemoved(ids[q])) {
                        dead.add(q);
                        Ring reclaimed = withQ.reclaim(ids[p], ids[q]);
                        recordDelta(withQ, reclaimed);
                        replicas[p] = reclaimed;
                    }
                }
            }
        }
        if (op <= 2) {
            recordDelta(r, replicas[p]);
        }
        if (replicas[p] != r) {
            snapshots.add(replicas[p]);
        }
    }

    /** The delta a peer publishes after an owner operation took its ring from {@code before} to {@code after}. */
    void recordDelta(Ring before, Ring after) {
        if (before == after) {
            return;
        }
        Set<IpAddress> tokens = new TreeSet<>();
        for (RingEntry e : after.entries()) {
            int i = before.indexOf(e.token());
            if (i < 0 || !before.entries().get(i).equals(e)) {
                tokens.add(e.token());
            }
        }
        Set<Long> tombs = new TreeSet<>(after.tombstones().keySet());
        tombs.removeAll(before.tombstones().keySet());
        deltas.add(RingDelta.from(after, tokens, tombs));
    }

    private void donate(int p) {
        Ring r = replicas[p];
        List<IpRange> own = r.rangesOwnedBy(ids[p]);
        if (own.isEmpty()) {
            return;
        }
        int i = r.indexOf(own.get(random.nextInt(own.size())).start());
        IpRange er = r.rangeOf(i);
        long blocks = Ring.saturate(er.size().shiftRight(config.blockBits()));
        if (blocks < 1) {
            return;
        }
        long startBlock = Math.floorMod(random.nextLong(), blocks);
        long len = 1 + Math.floorMod(random.nextLong(), blocks - startBlock);
        IpAddress start = er.start().plus(BigInteger.valueOf(startBlock).shiftLeft(config.blockBits()));
        IpRange piece = IpRange.ofSize(start, BigInteger.valueOf(len).shiftLeft(config.blockBits()));
        int q = random.nextInt(ids.length);
        if (q == p || r.isRemoved(ids[q])) {
            return;
        }
        replicas[p] = r.donate(ids[p], piece, ids[q], range -> Ring.saturate(range.size()));
    }

    /** Merges every replica into every other until nothing changes; returns the rounds it took. */
    int pumpUntilQuiet() {
        int rounds = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            rounds++;
            for (int p = 0; p < ids.length; p++) {
                for (int q = 0; q < ids.length; q++) {
                    Ring.MergeResult m = replicas[p].merge(replicas[q]);
                    if (m.changed()) {
                        replicas[p] = m.ring();
                        changed = true;
                    }
                }
            }
        }
        return rounds;
    }
}
