package dev.weft.agent.cni;

import dev.weft.cni.CniError;
import dev.weft.cni.CniException;
import dev.weft.cni.CniVersions;
import dev.weft.cni.NetConfSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The network configuration the runtime passes on stdin, validated for the Weft plugin.
 *
 * @param prevResult the previous plugin's result when chained (null if none)
 * @param validAttachments for GC: {@code cni.dev/valid-attachments} (null if absent)
 */
public record CniNetConf(
        String cniVersion,
        String name,
        String type,
        Map<String, Object> prevResult,
        Map<String, Object> dns,
        List<CniIpam.Attachment> validAttachments,
        Map<String, Object> raw) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    /** Parses and validates; errors carry the CNI code (1, 2, 6, 7) and name the offending field. */
    @SuppressWarnings("unchecked")
    public static CniNetConf parse(byte[] stdin) throws CniException {
        NetConfSummary summary = NetConfSummary.parse(stdin, true);
        Map<String, Object> m = summary.json();
        String name = requireString(m, "name");
        if (!NAME.matcher(name).matches()) {
            throw new CniException(
                    CniError.INVALID_CONFIG,
                    "network name '" + name + "' is invalid",
                    "it must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
        }
        String type = requireString(m, "type");
        Object ipam = m.get("ipam");
        if (ipam instanceof Map<?, ?> im && !im.isEmpty()) {
            throw new CniException(
                    CniError.UNSUPPORTED_FIELD,
                    "the 'ipam' section is not supported by weft",
                    "weft assigns pod addresses itself from the cluster range; remove 'ipam' from the weft entry of the conflist");
        }
        Map<String, Object> prev = optionalObject(m, "prevResult");
        Map<String, Object> dns = optionalObject(m, "dns");
        List<CniIpam.Attachment> valid = null;
        Object va = m.get("cni.dev/valid-attachments");
        if (va != null) {
            if (!(va instanceof List<?> l)) {
                throw new CniException(CniError.INVALID_CONFIG, "'cni.dev/valid-attachments' must be an array");
            }
            valid = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof Map<?, ?> a)
                        || !(a.get("containerID") instanceof String cid)
                        || !(a.get("ifname") instanceof String ifn)) {
                    throw new CniException(
                            CniError.INVALID_CONFIG,
                            "each entry of 'cni.dev/valid-attachments' must have string fields 'containerID' and 'ifname'");
                }
                valid.add(new CniIpam.Attachment(cid, ifn));
            }
        }
        return new CniNetConf(summary.cniVersion(), name, type, prev, dns, valid, m);
    }

    public boolean atLeast(String version) {
        return CniVersions.atLeast(cniVersion, version);
    }

    private static String requireString(Map<String, Object> m, String key) throws CniException {
        Object v = m.get(key);
        if (v == null)
            throw new CniException(CniError.INVALID_CONFIG, "the network configuration has no '" + key + "'");
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new CniException(CniError.INVALID_CONFIG, "'" + key + "' must be a non-empty string");
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> optionalObject(Map<String, Object> m, String key) throws CniException {
        Object v = m.get(key);
        if (v == null || v == dev.weft.cni.Json.NULL) return null;
        if (!(v instanceof Map)) {
            throw new CniException(CniError.INVALID_CONFIG, "'" + key + "' must be a JSON object");
        }
        return (Map<String, Object>) v;
    }
}
