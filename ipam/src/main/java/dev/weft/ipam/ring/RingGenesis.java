package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * Who created a ring. Rings merge only if their geneses are equal.
 *
 * <p>{@link #seeds}: every node configured with the same seed list (node names, any order)
 * computes the same genesis and the same initial split. {@link #creator}: the one peer that won an
 * external decision (Kubernetes: the atomic create of an object) creates the ring; the token
 * identifies that decision (e.g. the object's uid).
 */
public record RingGenesis(String id) {
    public static final int MAX_LENGTH = 512;

    public RingGenesis {
        if (id == null || id.isBlank() || id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("ring genesis must be 1.." + MAX_LENGTH + " characters");
        }
    }

    /** Sorted, de-duplicated seed names; rejects blanks. */
    public static List<String> normaliseSeeds(Collection<String> seedNames) {
        TreeSet<String> sorted = new TreeSet<>();
        for (String s : seedNames) {
            if (s == null || s.isBlank() || s.length() > 253 || !s.equals(s.strip())) {
                throw new IllegalArgumentException("bad seed name '" + s + "'");
            }
            sorted.add(s);
        }
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("the seed list is empty");
        }
        return List.copyOf(sorted);
    }

    public static RingGenesis seeds(Collection<String> seedNames) {
        List<String> names = normaliseSeeds(seedNames);
        String fp = HexFormat.of().formatHex(sha256(String.join("\n", names)), 0, 8);
        StringBuilder sb = new StringBuilder("seeds:").append(fp).append(':');
        for (int i = 0; i < Math.min(3, names.size()); i++) {
            sb.append(i == 0 ? "" : ",").append(names.get(i));
        }
        if (names.size() > 3) {
            sb.append(",+").append(names.size() - 3).append(" more");
        }
        String id = sb.toString();
        return new RingGenesis(id.length() > MAX_LENGTH ? id.substring(0, MAX_LENGTH) : id);
    }

    public static RingGenesis creator(PeerId creatorPeer, String decisionToken) {
        if (decisionToken == null || decisionToken.isBlank() || decisionToken.length() > 200) {
            throw new IllegalArgumentException("creator decision token must be 1..200 characters");
        }
        return new RingGenesis("creator:" + creatorPeer + ":" + decisionToken);
    }

    /**
     * The placeholder owner of a seed's initial share, until the node with that name claims it. A
     * hash of the name, so every node computes the same one (never zero: not a peer id).
     */
    public static long seedPlaceholder(String seedName) {
        byte[] h = sha256("weft-ipam-seed\0" + seedName);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return v == 0 ? 1 : v;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always present", e);
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
