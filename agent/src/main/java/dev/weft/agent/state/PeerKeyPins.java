package dev.weft.agent.state;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.id.PeerId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity keys this node pinned for legacy peer ids (ids from before identity keys, trusted on first sight; see
 * {@code dev.weft.gossip.identity.PeerKeys}), kept in {@value #FILE} in the state directory: one line per peer,
 * {@code <16 hex digits of the id> <64 hex digits of the Ed25519 public key>}. Written whole (atomically) on every
 * new pin, at most one write in flight (pins that arrive meanwhile ride on the next write), and at most
 * {@value #MAX_PINS} pins are kept on disk: a compromised node inventing legacy ids cannot make the agent rewrite a
 * growing file without end (pins beyond the cap live in memory until the next start).
 */
public final class PeerKeyPins {
    private static final Logger log = LoggerFactory.getLogger(PeerKeyPins.class);
    static final String FILE = "peer-keys";
    /** Most pins written to {@value #FILE}. */
    static final int MAX_PINS = 10_000;

    private final Path stateDir;
    private final Executor writer;
    /** Guarded by itself. */
    private final Map<PeerId, byte[]> pins = new TreeMap<>();
    /** A write is scheduled and has not started yet (guarded by {@link #pins}). */
    private boolean writeScheduled;

    private boolean warnedFull;

    /** @param writer where the file is written (never gossip's thread) */
    public PeerKeyPins(Path stateDir, Executor writer) {
        this.stateDir = stateDir;
        this.writer = writer;
    }

    /** The pins of earlier starts; none (with a WARN) if the file cannot be read. */
    public Map<PeerId, byte[]> loadOrNone() {
        synchronized (pins) {
            try {
                pins.putAll(load(stateDir));
            } catch (IOException e) {
                log.atWarn()
                        .log("could not read pinned peer keys: " + e.getMessage()
                                + "; legacy peer ids are pinned again on first sight");
            }
            return Map.copyOf(pins);
        }
    }

    /** Gossip pinned {@code key} for {@code id}: the file is rewritten on the writer, never on the caller's thread. */
    public void pinned(PeerId id, byte[] key) {
        synchronized (pins) {
            if (!pins.containsKey(id) && pins.size() >= MAX_PINS) {
                if (!warnedFull) {
                    warnedFull = true;
                    log.atWarn()
                            .log(
                                    MAX_PINS + " pinned peer keys are on disk already; more are kept in memory"
                                            + " only. Legacy peer ids are rare: check `weft status peers` for invented members");
                }
                return;
            }
            pins.put(id, key.clone());
            if (writeScheduled) return;
            writeScheduled = true;
        }
        writer.execute(this::write);
    }

    private void write() {
        synchronized (pins) {
            writeScheduled = false;
            try {
                save(stateDir, pins);
            } catch (IOException e) {
                log.atWarn()
                        .log("could not persist the pinned keys of legacy peer ids: " + e.getMessage()
                                + "; they are pinned again on first sight after a restart");
            }
        }
    }

    /** The pins in {@code stateDir} (none if the file does not exist); lines that are not a pin are skipped. */
    public static Map<PeerId, byte[]> load(Path stateDir) throws IOException {
        Path f = stateDir.resolve(FILE);
        Map<PeerId, byte[]> pins = new TreeMap<>();
        if (!Files.exists(f)) return pins;
        List<String> lines = Files.readAllLines(f, StandardCharsets.US_ASCII);
        int bad = 0;
        for (String line : lines) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 1 && parts[0].isEmpty()) continue;
            try {
                PeerId id = PeerId.parse(parts[0]);
                byte[] key = HexFormat.of().parseHex(parts[1]);
                if (parts.length != 2 || key.length != IdentityKey.KEY_BYTES) throw new IllegalArgumentException();
                pins.put(id, key);
            } catch (RuntimeException e) {
                bad++;
            }
        }
        if (bad > 0) {
            log.atWarn()
                    .log(bad + " line(s) of " + f + " are not '<peer id> <public key>' and were skipped; the"
                            + " peers they named are pinned again on first sight");
        }
        return pins;
    }

    /** Writes {@code pins} to {@code stateDir} (replacing the file atomically, fsynced). */
    public static void save(Path stateDir, Map<PeerId, byte[]> pins) throws IOException {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(pins)
                .forEach((id, key) -> b.append(id)
                        .append(' ')
                        .append(HexFormat.of().formatHex(key))
                        .append('\n'));
        StateFiles.writeAtomically(stateDir.resolve(FILE), b.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
