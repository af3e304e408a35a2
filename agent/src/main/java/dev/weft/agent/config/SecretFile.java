package dev.weft.agent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cluster secret file ({@code --secret-file}): one key per line, the first is the primary (used to send), the
 * others are still accepted (rotation). Blank lines and lines starting with {@code #} are ignored.
 *
 * <p>Each key is text that decodes to at least {@value #MIN_KEY_BYTES} random bytes: a line of only hex digits (even
 * length) is read as hex, anything else as base64 (standard or URL-safe, padding optional). The decoded bytes are the
 * key material handed to gossip and the sleeve. Raw passphrases are refused on purpose: the old rule ("any text of 16+
 * characters") accepted the manifest's placeholder and guessable phrases. A key whose decoded bytes take fewer than
 * {@value #MIN_DISTINCT_BYTES} distinct values (e.g. 32 zero bytes) is refused as not random; 32 random bytes take
 * about 30 distinct values, fewer than 16 essentially never happens.
 */
public final class SecretFile {
    public static final int MIN_KEY_BYTES = 32;
    static final int MIN_DISTINCT_BYTES = 16;
    /** The value of {@code stringData.key} in {@code k8s/deploy/secret.example.yaml}: never a real key. */
    public static final String MANIFEST_PLACEHOLDER = "REPLACE-WITH-A-RANDOM-KEY";

    static final String HOW_TO_MAKE_ONE = "make one with: weft secret generate > weft.key";

    private SecretFile() {}

    /** The keys of a secret file, primary first, and what is worth a warning (file mode). */
    public record Keys(List<byte[]> keys, List<String> warnings) {
        public Keys {
            keys = List.copyOf(keys);
            warnings = List.copyOf(warnings);
        }
    }

    /** A secret file that cannot be used; the message says which line, why, and how to make a good one. */
    public static final class InvalidSecretException extends Exception {
        public InvalidSecretException(String message) {
            super(message);
        }
    }

    /** Reads and validates the file; every key must be valid (a bad second line would break rotation silently). */
    public static Keys read(Path file) throws InvalidSecretException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidSecretException("cannot read the secret file " + file + ": " + e.getMessage());
        }
        return parse(file, content);
    }

    /**
     * Validates the content of the secret file {@code file} (named in messages; its mode is checked for the warning).
     * The agent's re-read of a changed file uses this on the bytes it compared, so what it checks is what it applies.
     */
    public static Keys parse(Path file, byte[] content) throws InvalidSecretException {
        List<String> lines = new String(content, StandardCharsets.UTF_8).lines().toList();
        List<byte[]> keys = new ArrayList<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String problem = problem(line);
            if (problem != null) {
                throw new InvalidSecretException("line " + n + " of the secret file " + file + " is not a usable key: "
                        + problem + "; " + HOW_TO_MAKE_ONE);
            }
            keys.add(decode(line));
        }
        if (keys.isEmpty())
            throw new InvalidSecretException("the secret file " + file + " holds no key; " + HOW_TO_MAKE_ONE);
        List<String> warnings = new ArrayList<>();
        String mode = looseMode(file);
        if (mode != null) {
            warnings.add("the secret file " + file + " is readable by group or others (mode " + mode
                    + "); anyone who reads it can join the cluster: chmod 600 " + file);
        }
        return new Keys(keys, warnings);
    }

    /** Why a key line is refused, or null when it is a good key. */
    static String problem(String line) {
        if (line.toUpperCase(Locale.ROOT).startsWith("REPLACE-WITH")) {
            return "it is the placeholder of the example manifest (" + MANIFEST_PLACEHOLDER + "), not a secret";
        }
        byte[] key = decode(line);
        if (key == null) return "it is neither hex nor base64 (a passphrase is not accepted)";
        if (key.length < MIN_KEY_BYTES) {
            return "it decodes to " + key.length + " bytes; at least " + MIN_KEY_BYTES + " random bytes are needed";
        }
        if (distinct(key) < MIN_DISTINCT_BYTES)
            return "its " + key.length + " bytes are not random (too few distinct values)";
        return null;
    }

    /** The key bytes of a line: hex when it is only hex digits (even length), else base64; null when neither. */
    static byte[] decode(String line) {
        if (line.length() % 2 == 0 && line.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return HexFormat.of().parseHex(line);
        }
        try {
            return Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(line);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }

    /** A fresh key line: {@value #MIN_KEY_BYTES} random bytes, base64. */
    public static String generate(SecureRandom random) {
        byte[] b = new byte[MIN_KEY_BYTES];
        random.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static int distinct(byte[] b) {
        boolean[] seen = new boolean[256];
        int n = 0;
        for (byte x : b) {
            if (!seen[x & 0xff]) {
                seen[x & 0xff] = true;
                n++;
            }
        }
        return n;
    }

    /** The file's mode as rwx text when group or others may read it; null when not, or not a POSIX file system. */
    private static String looseMode(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                return java.nio.file.attribute.PosixFilePermissions.toString(p);
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
