package dev.weft.agent.runtime;

import dev.weft.agent.config.SecretFile;
import dev.weft.gossip.wire.Keyring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the cluster secret file ({@code --secret-file}) when its content changes, so the secret is rotated without
 * restarting the agent (SECURITY.md, "Rotating the secret").
 *
 * <p>It polls: every {@link #INTERVAL} it reads the whole file through its path and compares the bytes with the last
 * ones it read. A Kubernetes Secret volume replaces its files by swapping a {@code ..data} symlink, which a watch on the
 * file itself would not see; reading through the path always sees the current version, whatever the mount does. A
 * changed file is validated like at start ({@link SecretFile#parse}); if its keys differ from the ones in use they are
 * handed to {@code apply} (gossip and the sleeve: send with the first, accept all). A file that cannot be read or is
 * not valid (too short, the manifest's placeholder, not hex or base64, ...) is refused with one WARN per distinct
 * content, and the keys in use stay.
 *
 * <p>Single-threaded: {@link #onTick} is called with the time by one thread ({@link #start} makes it), or by a test.
 */
final class SecretWatch {
    private static final Logger log = LoggerFactory.getLogger(SecretWatch.class);
    /** How often the file is read. */
    static final Duration INTERVAL = Duration.ofSeconds(2);

    /** What one {@link #onTick} did. */
    enum Outcome {
        NOT_DUE,
        UNCHANGED,
        RELOADED,
        REFUSED
    }

    private final Path file;
    private final String clusterName;
    private final long intervalMillis;
    private final Consumer<List<byte[]>> apply;
    private List<byte[]> current;
    private byte[] lastDigest;
    private String lastProblem;
    private long nextPollMillis;
    private long reloads;
    private long refusals;

    /**
     * @param current the keys in use (read at start), primary first
     * @param apply   receives new keys, primary first, when the file changed and is valid
     */
    SecretWatch(
            Path file,
            String clusterName,
            List<byte[]> current,
            Duration interval,
            long nowMillis,
            Consumer<List<byte[]>> apply) {
        this.file = file;
        this.clusterName = clusterName;
        this.current = List.copyOf(current);
        this.intervalMillis = interval.toMillis();
        this.apply = apply;
        this.nextPollMillis = nowMillis + intervalMillis;
    }

    /** Reads the file if a poll is due; applies valid new keys. Never throws for a bad file. */
    Outcome onTick(long nowMillis) {
        if (nowMillis < nextPollMillis) return Outcome.NOT_DUE;
        nextPollMillis = nowMillis + intervalMillis;
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            return refuse(null, "it cannot be read (" + e + ")");
        }
        byte[] digest = sha256(content);
        if (Arrays.equals(digest, lastDigest)) return Outcome.UNCHANGED;
        List<byte[]> keys;
        List<Integer> ids;
        SecretFile.Keys parsed;
        try {
            parsed = SecretFile.parse(file, content);
            keys = parsed.keys();
            ids = Keyring.withSecrets(clusterName, keys).keyIds();
        } catch (SecretFile.InvalidSecretException | IllegalArgumentException e) {
            return refuse(digest, e.getMessage());
        }
        lastDigest = digest;
        lastProblem = null;
        if (sameKeys(keys, current)) return Outcome.UNCHANGED; // e.g. a comment changed
        parsed.warnings().forEach(w -> log.atWarn().log(w));
        apply.accept(keys);
        current = List.copyOf(keys);
        reloads++;
        log.atInfo()
                .addKeyValue("keys", keys.size())
                .addKeyValue("keyIds", hex(ids))
                .log("cluster secret reloaded from " + file + ": gossip and the sleeve now send with key id "
                        + String.format("%08x", ids.get(0)) + " and accept " + keys.size() + " key(s)");
        return Outcome.RELOADED;
    }

    private Outcome refuse(byte[] digest, String problem) {
        refusals++;
        if (digest != null) lastDigest = digest; // the same bad content is not reported again
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            log.atWarn()
                    .log("the secret file " + file + " changed but is refused: " + problem
                            + "; the agent keeps its current " + current.size()
                            + " key(s) and reads the file again every " + INTERVAL.toSeconds() + " s");
        }
        return Outcome.REFUSED;
    }

    long reloads() {
        return reloads;
    }

    long refusals() {
        return refusals;
    }

    private static boolean sameKeys(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) return false;
        }
        return true;
    }

    private static String hex(List<Integer> ids) {
        return ids.stream().map(i -> String.format("%08x", i)).collect(Collectors.joining(","));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the watch on a daemon thread of its own, every second (it reads the file when due); close to stop. */
    static AutoCloseable start(SecretWatch watch, LongSupplier nowMillis) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("weft-secret-watch").daemon().factory());
        s.scheduleWithFixedDelay(
                () -> {
                    try {
                        watch.onTick(nowMillis.getAsLong());
                    } catch (RuntimeException e) { // never lose the watch: keep the keys, say what failed
                        log.atWarn().log("re-reading the secret file failed: " + e + "; the current keys stay");
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        return s::shutdownNow;
    }
}
