package dev.weft.datapath.sleeve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel-path probe keys of one node: one key per peer (and per configured cluster key), which only that peer
 * and this node can compute. Immutable; {@link #withPeers} makes the next table, keeping the keys of peers whose
 * sleeve public key did not change.
 *
 * <pre>
 *   dh  = X25519(own sleeve private key, peer's sleeve public key)             (the same on both nodes)
 *   key = HKDF-SHA256(ikm = dh, salt = psk (one per configured cluster key, {@link SleeveKeys#pskFromClusterSecret}),
 *                     info = "weft-probe-pair-v1" | low id | high id | low id's public key | high id's public key)
 * </pre>
 *
 * "low" and "high" order the two peer ids as unsigned numbers, so both nodes derive the same key. The sleeve public
 * keys come from the node records, which their owners sign with their identity keys (gossip's {@code AliveSignature}),
 * so a third node cannot put its own key in another node's record; and a node draws a new sleeve key pair at every
 * start, so the pair key changes when either node restarts. Lookups ({@link #indexOf}) are a binary search over a
 * sorted array: nothing is allocated per probe.
 */
final class ProbeKeys {
    private static final byte[] LABEL = "weft-probe-pair-v1".getBytes(StandardCharsets.US_ASCII);

    private final long ownId;
    private final byte[] ownPrivate;
    private final byte[] ownPublic;
    private final List<byte[]> psks;
    /** Key id ({@link SleeveKeys#keyId}) of each psk, primary first. */
    final int[] keyIds;
    /** Peer ids, sorted (signed order, for {@link Arrays#binarySearch}). */
    private final long[] ids;

    private final byte[][] publics;
    /** Per peer (index as in {@link #ids}), per psk: the 32-byte pair key. */
    private final byte[][][] keys;

    private ProbeKeys(
            long ownId,
            byte[] ownPrivate,
            byte[] ownPublic,
            List<byte[]> psks,
            int[] keyIds,
            long[] ids,
            byte[][] publics,
            byte[][][] keys) {
        this.ownId = ownId;
        this.ownPrivate = ownPrivate;
        this.ownPublic = ownPublic;
        this.psks = psks;
        this.keyIds = keyIds;
        this.ids = ids;
        this.publics = publics;
        this.keys = keys;
    }

    /** No peers yet. {@code psks}: the sleeve's pre-shared keys ({@link SleeveCrypto#psks}), primary first. */
    static ProbeKeys of(long ownId, byte[] ownPrivate, List<byte[]> psks) {
        if (psks.isEmpty()) throw new IllegalArgumentException("probe keys need at least one cluster key");
        List<byte[]> copy = new ArrayList<>();
        int[] keyIds = new int[psks.size()];
        for (int i = 0; i < psks.size(); i++) {
            copy.add(psks.get(i).clone());
            keyIds[i] = SleeveKeys.keyId(psks.get(i));
        }
        return new ProbeKeys(
                ownId,
                ownPrivate.clone(),
                SleeveKeys.publicKey(ownPrivate),
                List.copyOf(copy),
                keyIds,
                new long[0],
                new byte[0][],
                new byte[0][][]);
    }

    /**
     * The table for these peers (id to 32-byte sleeve public key); {@code this} if nothing changed. A peer without a
     * usable key (missing, wrong length, a low-order point) and this node itself get no entry: their probes are
     * dropped as {@code unknown_peer}.
     */
    ProbeKeys withPeers(Map<Long, byte[]> publicKeys) {
        TreeMap<Long, byte[]> usable = new TreeMap<>();
        publicKeys.forEach((id, pub) -> {
            if (id != ownId && pub != null && pub.length == SleeveKeys.KEY_SIZE) usable.put(id, pub);
        });
        if (usable.size() == ids.length) {
            boolean same = true;
            int i = 0;
            for (var e : usable.entrySet()) {
                if (ids[i] != e.getKey() || !Arrays.equals(publics[i], e.getValue())) {
                    same = false;
                    break;
                }
                i++;
            }
            if (same) return this;
        }
        long[] nIds = new long[usable.size()];
        byte[][] nPublics = new byte[usable.size()][];
        byte[][][] nKeys = new byte[usable.size()][][];
        int n = 0;
        for (var e : usable.entrySet()) {
            long id = e.getKey();
            byte[] pub = e.getValue();
            int old = indexOf(id);
            byte[][] k = old >= 0 && Arrays.equals(publics[old], pub) ? keys[old] : derive(id, pub);
            if (k == null) continue; // a low-order point: never used
            nIds[n] = id;
            nPublics[n] = pub.clone();
            nKeys[n] = k;
            n++;
        }
        return new ProbeKeys(
                ownId,
                ownPrivate,
                ownPublic,
                psks,
                keyIds,
                Arrays.copyOf(nIds, n),
                Arrays.copyOf(nPublics, n),
                Arrays.copyOf(nKeys, n));
    }

    /** Index of a peer's keys, or a negative number if this node has no key for it. */
    int indexOf(long peerId) {
        return Arrays.binarySearch(ids, peerId);
    }

    /** The pair key of peer {@code index} under psk {@code psk} (0 = primary). */
    byte[] key(int index, int psk) {
        return keys[index][psk];
    }

    int peers() {
        return ids.length;
    }

    private byte[][] derive(long peerId, byte[] peerPublic) {
        byte[] dh;
        try {
            dh = SleeveKeys.sharedSecret(ownPrivate, peerPublic);
        } catch (IllegalArgumentException e) {
            return null;
        }
        boolean ownLow = Long.compareUnsigned(ownId, peerId) < 0;
        ByteBuffer info = ByteBuffer.allocate(LABEL.length + 8 + 8 + 32 + 32)
                .put(LABEL)
                .putLong(ownLow ? ownId : peerId)
                .putLong(ownLow ? peerId : ownId)
                .put(ownLow ? ownPublic : peerPublic)
                .put(ownLow ? peerPublic : ownPublic);
        byte[][] out = new byte[psks.size()][];
        for (int i = 0; i < psks.size(); i++) out[i] = SleeveKeys.hkdf(dh, psks.get(i), info.array());
        Arrays.fill(dh, (byte) 0);
        return out;
    }
}
