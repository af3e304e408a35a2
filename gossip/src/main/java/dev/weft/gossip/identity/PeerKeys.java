package dev.weft.gossip.identity;

import dev.weft.id.PeerId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Which Ed25519 public key speaks for which peer id; owned by the gossip engine's thread.
 *
 * <p>A key speaks for id X if it hashes to X ({@link IdentityKey#derivedId}: self-certifying, every node created
 * with identity keys), or, for a <em>legacy</em> id (a random id from before identity keys, kept across the
 * upgrade), if it is the key pinned for X: the first key seen for X with a valid signature is pinned (trust on first
 * sight), reported through {@link PinListener} so the agent persists it, and loaded again at the next start. Once a
 * key is known for X, no key that does not hash to X speaks for X ({@link Verdict#ID_KEY_MISMATCH}); a key that
 * hashes to X always does, and replaces a pin (a forger may claim, to a node that never heard of X, that X is a
 * legacy id with the forger's key: believed only until X's own signed record arrives).
 *
 * <p>Legacy ids are as strong as their first sight: a node that hears of legacy id X first from a compromised node
 * pins the wrong key, and then refuses X's own records (loudly: {@code id_key_mismatch} counted, X missing from its
 * members). SECURITY.md says how to move a node to a self-certifying id.
 *
 * <p>A cluster whose nodes all have self-certifying ids can refuse legacy ids altogether ({@code refuseLegacyIds}, the
 * agent's {@code --require-self-certifying-ids}): then a key that does not hash to the id it names is refused
 * ({@link Verdict#LEGACY_ID_REFUSED}) before any signature check, nothing is pinned, and earlier pins are not loaded.
 */
public final class PeerKeys {
    /** Most keys remembered; beyond it only self-certifying keys are believed (they need no memory). */
    public static final int MAX_KNOWN = 100_000;

    /** The outcome of {@link #check}. */
    public enum Verdict {
        /** The key hashes to the id and the signature verifies. */
        SELF_CERTIFIED,
        /** The id is legacy, the key is the pinned one and the signature verifies. */
        PINNED,
        /** The id is legacy and was not known; the key is now pinned (first sight). */
        FIRST_SIGHT,
        /** No key or no signature. */
        UNSIGNED,
        /** Another key is known for this id, or a new legacy key arrived while no more can be remembered. */
        ID_KEY_MISMATCH,
        /** The signature does not verify under the key. */
        BAD_SIGNATURE,
        /** Legacy ids are refused ({@code refuseLegacyIds}) and the key does not hash to the id. */
        LEGACY_ID_REFUSED;

        public boolean accepted() {
            return this == SELF_CERTIFIED || this == PINNED || this == FIRST_SIGHT;
        }
    }

    /** Told about every newly pinned legacy key (on the engine thread; hand it to a disk writer). */
    @FunctionalInterface
    public interface PinListener {
        void pinned(PeerId id, byte[] publicKey);
    }

    private final PeerId self;
    private final IdentityKey own;
    private final Map<PeerId, byte[]> known = new HashMap<>();
    private final boolean refuseLegacyIds;
    private PinListener listener = (id, key) -> {};
    private long verifications;

    /**
     * @param self this node's id: derived from {@code own}, or its legacy id
     * @param pins legacy keys pinned earlier (id to 32-byte key), as persisted from {@link PinListener}
     */
    public PeerKeys(PeerId self, IdentityKey own, Map<PeerId, byte[]> pins) {
        this(self, own, pins, false);
    }

    /**
     * @param refuseLegacyIds refuse every key that does not hash to its id: pin nothing, ignore {@code pins}
     * @throws IllegalArgumentException if legacy ids are refused and {@code self} is one
     */
    public PeerKeys(PeerId self, IdentityKey own, Map<PeerId, byte[]> pins, boolean refuseLegacyIds) {
        if (refuseLegacyIds && !own.derivedId().equals(self)) {
            throw new IllegalArgumentException("this node's own id " + self + " is a legacy id (not derived from its"
                    + " identity key) while legacy ids are refused");
        }
        this.self = self;
        this.own = own;
        this.refuseLegacyIds = refuseLegacyIds;
        if (!refuseLegacyIds) pins.forEach((id, key) -> known.put(id, key.clone()));
        known.put(self, own.publicKey());
    }

    /** Keys for a test or a simulation: the id is derived from a key made from {@code random}. */
    public static PeerKeys generate(java.util.random.RandomGenerator random) {
        IdentityKey k = IdentityKey.generate(random);
        return new PeerKeys(k.derivedId(), k, Map.of());
    }

    public void onPinned(PinListener l) {
        this.listener = l;
    }

    public PeerId self() {
        return self;
    }

    public IdentityKey own() {
        return own;
    }

    /** True if this node's own id is self-certifying (false: a legacy id kept from before identity keys). */
    public boolean selfCertifying() {
        return own.derivedId().equals(self);
    }

    /** True if keys that do not hash to their id are refused (no trust on first sight). */
    public boolean refusesLegacyIds() {
        return refuseLegacyIds;
    }

    /** The key known for {@code id} (a copy), or null. */
    public byte[] keyOf(PeerId id) {
        byte[] k = known.get(id);
        return k == null ? null : k.clone();
    }

    /** Signature verifications done (each costs tens of microseconds of CPU). */
    public long verifications() {
        return verifications;
    }

    /**
     * Whether {@code signature} over {@code message} by {@code publicKey} speaks for {@code id}. Only an accepted
     * verdict changes anything: a legacy key is pinned only after its signature verified.
     */
    public Verdict check(PeerId id, byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey.length == 0 || signature.length == 0) return Verdict.UNSIGNED;
        boolean derived = IdentityKey.derivedId(publicKey).equals(id);
        if (refuseLegacyIds && !derived) return Verdict.LEGACY_ID_REFUSED;
        byte[] pinned = known.get(id);
        if (!derived && pinned != null && !Arrays.equals(pinned, publicKey)) return Verdict.ID_KEY_MISMATCH;
        if (pinned == null && !derived && known.size() >= MAX_KNOWN) return Verdict.ID_KEY_MISMATCH;
        verifications++;
        if (!IdentityKey.verify(publicKey, message, signature)) return Verdict.BAD_SIGNATURE;
        if (derived) {
            // a key that hashes to the id is proof; it replaces a key pinned on first sight (a forger who claimed
            // this id was legacy before its owner was heard of)
            if (pinned != null && !Arrays.equals(pinned, publicKey)) {
                known.put(id, publicKey.clone());
                listener.pinned(id, publicKey.clone());
            } else if (pinned == null && known.size() < MAX_KNOWN) {
                known.put(id, publicKey.clone());
            }
            return Verdict.SELF_CERTIFIED;
        }
        if (pinned != null) return Verdict.PINNED;
        known.put(id, publicKey.clone());
        listener.pinned(id, publicKey.clone());
        return Verdict.FIRST_SIGHT;
    }
}
