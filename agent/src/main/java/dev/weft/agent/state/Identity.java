package dev.weft.agent.state;

import dev.weft.id.PeerId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * This agent's identity (DESIGN §3): a random 64-bit peer id generated once and persisted in the state dir
 * (never derived from machine-id or MAC: clones collide), and an incarnation bumped on every start.
 */
public record Identity(PeerId peerId, String nickname, long incarnation) {

    static final String PEER_ID_FILE = "peer-id";
    static final String INCARNATION_FILE = "incarnation";

    /** Loads (or creates) the peer id and bumps the incarnation, persisting both with fsync. */
    public static Identity loadOrCreate(Path stateDir, String nickname, SecureRandom random) throws IOException {
        Files.createDirectories(stateDir);
        Path idFile = stateDir.resolve(PEER_ID_FILE);
        PeerId id = readTrimmed(idFile).flatMap(PeerId::tryParse).orElse(null);
        if (id == null) {
            id = PeerId.random(random);
            StateFiles.writeAtomically(idFile, (id + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        long inc = readTrimmed(stateDir.resolve(INCARNATION_FILE))
                        .map(Identity::parseLong)
                        .orElse(0L)
                + 1;
        StateFiles.writeAtomically(
                stateDir.resolve(INCARNATION_FILE), (inc + "\n").getBytes(StandardCharsets.US_ASCII));
        return new Identity(id, nickname, inc);
    }

    /**
     * Starts over with a new peer id (used when this peer learns its ranges were reclaimed while it was away):
     * a fresh identity can never re-assert ownership the cluster has given to someone else.
     */
    public static Identity renew(Path stateDir, String nickname, long incarnation, SecureRandom random)
            throws IOException {
        PeerId id = PeerId.random(random);
        StateFiles.writeAtomically(stateDir.resolve(PEER_ID_FILE), (id + "\n").getBytes(StandardCharsets.US_ASCII));
        return new Identity(id, nickname, incarnation);
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
