package dev.weft.cni;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the plugin itself needs from the network configuration: the version (for error JSON and the
 * supported-version check), where the agent listens and how long to wait for it. The agent validates
 * the rest.
 */
public record NetConfSummary(String cniVersion, Path socket, int timeoutSeconds, Map<String, Object> json) {

    /**
     * Parses stdin. Errors: 6 if it is not a JSON object in UTF-8, 7 if {@code cniVersion} is missing or
     * not a string or the Weft fields are malformed, 1 if the version is not supported
     * (only when {@code checkSupported}).
     */
    public static NetConfSummary parse(byte[] stdin, boolean checkSupported) throws CniException {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(stdin))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CniException(CniError.DECODE_FAILURE, "the network configuration on stdin is not UTF-8 text");
        }
        if (text.isBlank()) {
            throw new CniException(
                    CniError.DECODE_FAILURE,
                    "no network configuration on stdin",
                    "the runtime must pass the network configuration JSON on stdin");
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (JsonException e) {
            throw new CniException(
                    CniError.DECODE_FAILURE, "cannot decode the network configuration on stdin: " + e.getMessage());
        }
        Object v = m.get("cniVersion");
        if (v == null) {
            throw new CniException(CniError.INVALID_CONFIG, "the network configuration has no 'cniVersion'");
        }
        if (!(v instanceof String version)) {
            throw new CniException(CniError.INVALID_CONFIG, "'cniVersion' must be a string, got " + Json.typeName(v));
        }
        if (checkSupported && !CniVersions.isSupported(version)) {
            throw new CniException(
                    CniError.INCOMPATIBLE_VERSION,
                    "CNI version " + version + " is not supported",
                    "weft supports " + String.join(", ", CniVersions.SUPPORTED));
        }
        Path socket = Path.of(ShimProtocol.DEFAULT_SOCKET);
        Object s = m.get(ShimProtocol.SOCKET_FIELD);
        if (s != null) {
            if (!(s instanceof String str) || str.isEmpty() || !str.startsWith("/")) {
                throw new CniException(
                        CniError.INVALID_CONFIG,
                        "'" + ShimProtocol.SOCKET_FIELD + "' must be an absolute path to the agent's CNI socket");
            }
            socket = Path.of(str);
        }
        int timeout = ShimProtocol.DEFAULT_TIMEOUT_SECONDS;
        Object t = m.get(ShimProtocol.TIMEOUT_FIELD);
        if (t != null) {
            if (!(t instanceof Long l) || l < 1 || l > 600) {
                throw new CniException(
                        CniError.INVALID_CONFIG,
                        "'" + ShimProtocol.TIMEOUT_FIELD + "' must be a whole number of seconds between 1 and 600");
            }
            timeout = l.intValue();
        }
        return new NetConfSummary(version, socket, timeout, m);
    }
}
