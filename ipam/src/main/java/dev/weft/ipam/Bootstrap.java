package dev.weft.ipam;

import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.Intervals;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.ring.RingMismatchException;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the ring comes to exist on this node: seeds, the creator, or the genesis to wait for. */
final class Bootstrap {
    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

    private final NodeState s;

    Bootstrap(NodeState s) {
        this.s = s;
    }

    void fromSeeds(Collection<String> seedNames) throws IOException {
        Ring seeded = Ring.fromSeeds(s.config.ring(), seedNames);
        for (String name : RingGenesis.normaliseSeeds(seedNames)) {
            s.seedPlaceholders.add(RingGenesis.seedPlaceholder(name));
        }
        if (s.ring() != null && !s.ring().genesis().equals(seeded.genesis())) {
            s.counters.ringMismatches++;
            throw new RingMismatchException(s.ring().describe(), seeded.describe());
        }
        s.expected = seeded.genesis();
        if (s.ring() == null) {
            // every node computes this ring itself: nothing to publish
            s.transact(() -> {
                s.setRing(seeded);
                s.ownerFollowUps();
            });
            log.info(
                    "created ring from seeds genesis={} seeds={}",
                    seeded.genesis(),
                    seeded.owners().size());
        }
    }

    List<IpRange> claimSeedShare() throws IOException {
        s.checkUsable();
        if (s.ring() == null || s.isRemoved()) {
            return List.of();
        }
        Ring before = s.ring();
        Ring claimed = before.claimSeed(s.self, s.nickname);
        if (claimed == before) {
            s.synced = true;
            return List.of();
        }
        s.transact(() -> {
            s.setRing(claimed);
            s.ownerFollowUps();
        });
        s.outgoing.record(before, s.ring());
        s.synced = true;
        List<IpRange> gained = Intervals.subtract(s.owned(), before.rangesOwnedBy(s.self));
        log.info("claimed seed share peer={} nickname={} ranges={}", s.selfId, s.nickname, gained);
        return gained;
    }

    void asCreator(String decisionToken) throws IOException {
        RingGenesis g = RingGenesis.creator(s.selfId, decisionToken);
        if (s.ring() != null) {
            if (!s.ring().genesis().equals(g)) {
                s.counters.ringMismatches++;
                throw new RingMismatchException(s.ring().describe(), s.config.ring() + " genesis=" + g);
            }
            return;
        }
        s.expected = g;
        s.transact(() -> {
            s.setRing(Ring.createdBy(s.config.ring(), s.self, decisionToken));
            s.ownerFollowUps();
        });
        s.outgoing.record(null, s.ring());
        s.synced = true;
        log.info(
                "created ring as creator peer={} genesis={} range={}",
                s.selfId,
                g,
                s.config.ring().range());
    }

    void expectGenesis(RingGenesis genesis) {
        if (s.ring() != null && !s.ring().genesis().equals(genesis)) {
            s.counters.ringMismatches++;
            throw new RingMismatchException(s.ring().describe(), s.config.ring() + " genesis=" + genesis);
        }
        s.expected = genesis;
    }
}
