package dev.weft.agent.state;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.id.PeerId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * This agent's identity (DESIGN §3, SECURITY.md "Node identity"): an Ed25519 identity key made at first start and
 * kept in the state directory ({@value #KEY_FILE}, mode 0600), the peer id, and an incarnation bumped on every start.
 *
 * <p>A new state directory gets a self-certifying peer id: the first 8 bytes of SHA-256 over the public key
 * ({@link IdentityKey#derivedId}). A state directory from before identity keys keeps its random (legacy) peer id,
 * so its ranges, allocations and Node annotation stay valid; it gets a key too, which other peers pin on first sight.
 * The id is never derived from machine-id or MAC (clones collide).
 */
public record Identity(PeerId peerId, String nickname, long incarnation, IdentityKey key) {

    static final String PEER_ID_FILE = "peer-id";
    static final String INCARNATION_FILE = "incarnation";
    static final String KEY_FILE = "identity.key";

    /** An identity with a key drawn at random (tests that need no state directory). */
    public Identity(PeerId peerId, String nickname, long incarnation) {
        this(peerId, nickname, incarnation, IdentityKey.generate(new SecureRandom()));
    }

    /** True if the peer id is the one the key certifies (false: a legacy id kept from before identity keys). */
    public boolean selfCertifying() {
        return key.derivedId().equals(peerId);
    }

    /**
     * Loads (or creates) the identity key and the peer id and bumps the incarnation, persisting all with fsync.
     *
     * @throws IOException if a file cannot be read or written, or the key file is not a key (the message says
     *     what to do)
     */
    public static Identity loadOrCreate(Path stateDir, String nickname, SecureRandom random) throws IOException {
        try {
            return loadOrCreate(stateDir, nickname, random, false);
        } catch (LegacyIdRefused e) {
            throw new IllegalStateException("unreachable: legacy ids are allowed", e);
        }
    }

    /**
     * As {@link #loadOrCreate(Path, String, SecureRandom)}; with {@code requireSelfCertifying}
     * ({@code --require-self-certifying-ids}) a state directory whose peer id is a legacy one is refused before
     * anything in it is written.
     *
     * @throws LegacyIdRefused if legacy ids are refused and this node has one (the message says how to retire it)
     */
    public static Identity loadOrCreate(
            Path stateDir, String nickname, SecureRandom random, boolean requireSelfCertifying)
            throws IOException, LegacyIdRefused {
        Files.createDirectories(stateDir);
        Path idFile = stateDir.resolve(PEER_ID_FILE);
        PeerId id = readTrimmed(idFile).flatMap(PeerId::tryParse).orElse(null);
        IdentityKey key = readKey(stateDir);
        if (requireSelfCertifying
                && id != null
                && (key == null || !key.derivedId().equals(id))) {
            throw new LegacyIdRefused(stateDir, id);
        }
        if (key == null) {
            key = IdentityKey.generate(random);
            writeKey(stateDir, key);
        }
        if (id == null) {
            id = key.derivedId();
            StateFiles.writeAtomically(idFile, (id + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        long inc = readTrimmed(stateDir.resolve(INCARNATION_FILE))
                        .map(Identity::parseLong)
                        .orElse(0L)
                + 1;
        StateFiles.writeAtomically(
                stateDir.resolve(INCARNATION_FILE), (inc + "\n").getBytes(StandardCharsets.US_ASCII));
        return new Identity(id, nickname, inc, key);
    }

    /**
     * Starts over with a new key and the peer id it certifies (used when this peer learns its ranges were reclaimed
     * while it was away): a fresh identity can never re-assert ownership the cluster has given to someone else.
     */
    public static Identity renew(Path stateDir, String nickname, long incarnation, SecureRandom random)
            throws IOException {
        IdentityKey key = IdentityKey.generate(random);
        writeKey(stateDir, key);
        PeerId id = key.derivedId();
        StateFiles.writeAtomically(stateDir.resolve(PEER_ID_FILE), (id + "\n").getBytes(StandardCharsets.US_ASCII));
        return new Identity(id, nickname, incarnation, key);
    }

    /** This node's own peer id is a legacy one while {@code --require-self-certifying-ids} is on. */
    public static final class LegacyIdRefused extends Exception {
        LegacyIdRefused(Path stateDir, PeerId id) {
            super("this node's peer id " + id + " (" + stateDir.resolve(PEER_ID_FILE) + ") is a legacy id, kept from"
                    + " before identity keys and not derived from its identity key, and --require-self-certifying-ids"
                    + " (env WEFT_REQUIRE_SELF_CERTIFYING_IDS) refuses legacy ids. Nothing in the state directory was"
                    + " changed. Retire the legacy id: drain the node (kubectl drain), remove it from the cluster"
                    + " ('weft rmpeer " + id + "' on another node), empty " + stateDir + " and start the agent again;"
                    + " it then gets a self-certifying id. Or start this node without --require-self-certifying-ids"
                    + " until it is retired (SECURITY.md, Node identity)");
        }
    }

    private static IdentityKey readKey(Path stateDir) throws IOException {
        Path f = stateDir.resolve(KEY_FILE);
        Optional<String> text = readTrimmed(f);
        if (text.isEmpty()) return null;
        try {
            return IdentityKey.fromPrivate(HexFormat.of().parseHex(text.get()));
        } catch (IllegalArgumentException e) {
            throw new IOException(f + " is not an identity key (" + e.getMessage() + "): other peers know this node"
                    + " by it, so the agent does not make a new one silently. Restore the file from a backup, or"
                    + " remove the node (weft rmpeer <peer id>) and start it with an empty state directory");
        }
    }

    private static void writeKey(Path stateDir, IdentityKey key) throws IOException {
        StateFiles.writePrivateAtomically(
                stateDir.resolve(KEY_FILE),
                (HexFormat.of().formatHex(key.privateBytes()) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<String> readTrimmed(Path p) throws IOException {
        if (!Files.exists(p)) return Optional.empty();
        return Optional.of(Files.readString(p, StandardCharsets.US_ASCII).trim());
    }
}
