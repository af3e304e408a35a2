package dev.weft.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingEntry;
import dev.weft.ipam.ring.TombstoneGate;
import dev.weft.ipam.store.InMemoryIpamStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, the full-state hole: a compromised node (it holds the cluster secret and its own identity key, so its
 * full ring states arrive with itself as proven sender) moves a third node's entries to itself at higher versions.
 * A changed entry of a full state is believed only from its author or when two distinct senders show it; honest
 * staleness (several hand-overs missed, a fresh node) still converges once two peers sent their states.
 */
class HostileFullStateTest {
    static final IpamConfig CFG = IpamConfig.of(Cidr.parse("10.32.0.0/16"), 64);
    static final PeerId A = PeerId.of(0xa1);
    static final PeerId B = PeerId.of(0xb1);
    static final PeerId C = PeerId.of(0xc1);
    static final PeerId D = PeerId.of(0xd1);
    static final PeerId EVIL = PeerId.of(0xee);

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    /** The cluster as A created it, A then gave B [10.32.128.0, +16384) and C [10.32.192.0, +16384). */
    static Ring established() {
        Ring r = Ring.createdBy(CFG.ring(), A.value(), "uid");
        r = r.donate(A.value(), IpRange.of(ip("10.32.128.0"), ip("10.32.192.0")), B.value(), IpRange::sizeLong);
        return r.donate(A.value(), IpRange.of(ip("10.32.192.0"), ip("10.33.0.0")), C.value(), IpRange::sizeLong);
    }

    /** A node that holds {@code ring} as a whole (taken from a trusted source). */
    static IpamNode nodeWith(PeerId self, Ring ring) throws IOException {
        IpamNode n = IpamNode.open(CFG, new InMemoryIpamStore(), self, "node-" + self);
        n.applyRemoteRing(RingCodec.encode(ring));
        return n;
    }

    static byte[] bytes(Ring r) {
        return RingCodec.encode(r);
    }

    static Ring ringOf(IpamNode n) {
        return n.ring().orElseThrow();
    }

    /** {@code ring} with B's entries handed to EVIL at higher versions (what a forger sends). */
    static Ring forgeTakeover(Ring ring, long victim, long forger) {
        List<RingEntry> out = new ArrayList<>();
        for (RingEntry e : ring.entries()) {
            out.add(e.owner() == victim ? new RingEntry(e.token(), forger, e.version() + 7, e.free()) : e);
        }
        return Ring.of(ring.config(), ring.genesis(), out, ring.tombstones());
    }

    @Test
    void aForgedTakeoverOfAThirdNodesEntriesInAFullStateChangesNothingAndIsCounted() throws IOException {
        IpamNode d = nodeWith(D, established());
        Ring before = ringOf(d);
        Map<PeerId, List<Cidr>> routesBefore = d.cidrsByOwner();

        RingUpdate u = d.applyRemoteRing(
                EVIL, bytes(forgeTakeover(established(), B.value(), EVIL.value())), TombstoneGate.ADMIT_ALL);

        assertThat(u.changed()).isFalse();
        assertThat(ringOf(d)).isEqualTo(before);
        assertThat(d.cidrsByOwner()).isEqualTo(routesBefore);
        assertThat(d.cidrsByOwner()).doesNotContainKey(EVIL);
        assertThat(d.counters().ringEntriesUnproven()).isEqualTo(1);
        // sent again, by the same forger, it is still one sender: never believed
        d.applyRemoteRing(EVIL, bytes(forgeTakeover(established(), B.value(), EVIL.value())), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d)).isEqualTo(before);
        assertThat(d.counters().ringEntriesCorroborated()).isZero();
    }

    @Test
    void theForgedEntryIsLeftOutButTheSendersOwnChangesInTheSameStateAreMerged() throws IOException {
        IpamNode d = nodeWith(D, established());
        // EVIL owns a range (A gave it one) and splits it honestly, while forging B's entry in the same state
        Ring withEvil = established()
                .donate(A.value(), IpRange.of(ip("10.32.64.0"), ip("10.32.128.0")), EVIL.value(), IpRange::sizeLong);
        d.applyRemoteRing(A, bytes(withEvil), TombstoneGate.ADMIT_ALL);
        Ring evilView = withEvil.donate(
                EVIL.value(), IpRange.of(ip("10.32.96.0"), ip("10.32.128.0")), C.value(), IpRange::sizeLong);

        d.applyRemoteRing(EVIL, bytes(forgeTakeover(evilView, B.value(), EVIL.value())), TombstoneGate.ADMIT_ALL);

        assertThat(ringOf(d).ownerOf(ip("10.32.100.1"))).hasValue(C.value()); // EVIL's own donation: believed
        assertThat(ringOf(d).ownerOf(ip("10.32.130.1"))).hasValue(B.value()); // B's range: still B's
        assertThat(d.counters().ringEntriesUnproven()).isEqualTo(1);
    }

    @Test
    void twoColludingForgersAreBelievedTheDocumentedLimit() throws IOException {
        // SECURITY.md: corroboration holds against one compromised node, not two (or one with two identities)
        IpamNode d = nodeWith(D, established());
        Ring forged = forgeTakeover(established(), B.value(), EVIL.value());
        d.applyRemoteRing(EVIL, bytes(forged), TombstoneGate.ADMIT_ALL);
        d.applyRemoteRing(PeerId.of(0xef), bytes(forged), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d).ownerOf(ip("10.32.130.1"))).hasValue(EVIL.value());
    }

    @Test
    void theSameEntryFromTwoDistinctSendersIsBelieved() throws IOException {
        IpamNode d = nodeWith(D, established());
        // B gave part of its range to C; D missed B's delta. A and C (neither wrote the change) send their states.
        Ring later = established()
                .donate(B.value(), IpRange.of(ip("10.32.160.0"), ip("10.32.192.0")), C.value(), IpRange::sizeLong);

        d.applyRemoteRing(A, bytes(later), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d).ownerOf(ip("10.32.170.1"))).hasValue(B.value()); // one sender who is not the author: waits
        assertThat(d.counters().ringEntriesUnproven()).isEqualTo(2); // B's shrunk entry and C's new token

        d.applyRemoteRing(C, bytes(later), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d)).isEqualTo(later);
        assertThat(d.counters().ringEntriesCorroborated()).isEqualTo(2);
    }

    @Test
    void theAuthorsOwnStateIsBelievedAtOnce() throws IOException {
        IpamNode d = nodeWith(D, established());
        Ring later = established()
                .donate(B.value(), IpRange.of(ip("10.32.160.0"), ip("10.32.192.0")), C.value(), IpRange::sizeLong);
        assertThat(d.applyRemoteRing(B, bytes(later), TombstoneGate.ADMIT_ALL).changed())
                .isTrue();
        assertThat(ringOf(d)).isEqualTo(later);
        assertThat(d.counters().ringEntriesUnproven()).isZero();
    }

    @Test
    void aNodeStaleByTwoHandOversConvergesOnceTwoPeersSentTheirStates() throws IOException {
        IpamNode d = nodeWith(D, established());
        // while D was away: B gave a piece to C, then C gave part of that piece to A (two hand-overs)
        Ring r = established()
                .donate(B.value(), IpRange.of(ip("10.32.160.0"), ip("10.32.192.0")), C.value(), IpRange::sizeLong);
        r = r.donate(C.value(), IpRange.of(ip("10.32.176.0"), ip("10.32.192.0")), A.value(), IpRange::sizeLong);

        d.applyRemoteRing(C, bytes(r), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d).ownerOf(ip("10.32.180.1"))).hasValue(B.value()); // only B wrote what encloses it here
        d.applyRemoteRing(A, bytes(r), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(d)).isEqualTo(r);
        assertThat(d.cidrsByOwner().get(A)).contains(Cidr.parse("10.32.176.0/20"));
    }

    @Test
    void aFreshNodeJoiningAnEstablishedClusterAdoptsTheRingOnceTwoPeersSentIt() throws IOException {
        // many donations and a reclaim since the creator made the ring
        Ring r = established();
        PeerId[] others = {PeerId.of(0x11), PeerId.of(0x12), PeerId.of(0x13), PeerId.of(0x14)};
        IpAddress at = ip("10.32.0.0");
        for (PeerId p : others) {
            IpAddress next = at.plus(java.math.BigInteger.valueOf(4096));
            r = r.donate(
                    A.value(),
                    IpRange.of(at.plus(java.math.BigInteger.valueOf(2048)), next),
                    p.value(),
                    IpRange::sizeLong);
            at = next;
        }
        r = r.donate(B.value(), IpRange.of(ip("10.32.160.0"), ip("10.32.192.0")), others[0].value(), IpRange::sizeLong);
        r = r.reclaim(C.value(), others[1].value());

        IpamNode fresh = IpamNode.open(CFG, new InMemoryIpamStore(), D, "node-d");
        fresh.applyRemoteRing(B, bytes(r), TombstoneGate.ADMIT_ALL);
        // from the genesis ring (all A's), B wrote only its own split: the rest waits for a second sender
        assertThat(ringOf(fresh)).isNotEqualTo(r);
        assertThat(ringOf(fresh).isRemoved(others[1].value())).isFalse();
        fresh.applyRemoteRing(C, bytes(r), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(fresh)).isEqualTo(r);
        assertThat(ringOf(fresh).isRemoved(others[1].value())).isTrue();
        assertThat(fresh.isSynced()).isTrue();
    }

    @Test
    void aFreshNodeBelievesTheCreatorAloneAboutTheWholeRangeItCreated() throws IOException {
        // a two-node cluster: the creator is the only peer a new node can hear, and wrote everything it holds
        Ring r = established();
        IpamNode fresh = IpamNode.open(CFG, new InMemoryIpamStore(), D, "node-d");
        fresh.applyRemoteRing(A, bytes(r), TombstoneGate.ADMIT_ALL);
        assertThat(ringOf(fresh)).isEqualTo(r);
    }

    @Test
    void aGrantFromAnotherSenderThanItsDonorIsIgnored() throws IOException {
        IpamNode a = nodeWith(A, established());
        IpamNode d = nodeWith(D, established());
        a.markSynced();
        d.markSynced();
        var req = dev.weft.ipam.proto.SpaceRequest.newBuilder()
                .setFormatVersion(SpaceMessages.FORMAT_VERSION)
                .setGenesis(ringOf(a).genesis().id())
                .setRequester(D.value())
                .setDonor(A.value())
                .setWanted(256)
                .setRequestId(1)
                .build();
        var grant = a.handleSpaceRequest(req);
        assertThat(grant.getRefusal()).isEmpty();
        assertThat(d.handleSpaceGrant(EVIL, grant, TombstoneGate.ADMIT_ALL)).isInstanceOf(GrantResult.Ignored.class);
        assertThat(d.ownedCidrs()).isEmpty();
        assertThat(d.handleSpaceGrant(A, grant, TombstoneGate.ADMIT_ALL)).isInstanceOf(GrantResult.Granted.class);
        assertThat(d.ownedCidrs()).isNotEmpty();
    }
}
