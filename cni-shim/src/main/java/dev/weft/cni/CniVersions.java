package dev.weft.cni;

import java.util.List;

/** The CNI spec versions Weft accepts and answers in, and version comparison. */
public final class CniVersions {
    public static final String LATEST = "1.1.0";
    /** Every version whose config Weft accepts and whose result format it writes, oldest first. */
    public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    private CniVersions() {}

    public static boolean isSupported(String v) {
        return v != null && SUPPORTED.contains(v);
    }

    /** Compares two dotted versions numerically; a malformed one sorts first. */
    public static int compare(String a, String b) {
        int[] x = parse(a);
        int[] y = parse(b);
        for (int i = 0; i < 3; i++) {
            int c = Integer.compare(x[i], y[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    public static boolean atLeast(String v, String min) {
        return compare(v, min) >= 0;
    }

    private static int[] parse(String v) {
        int[] r = {-1, -1, -1};
        if (v == null) return r;
        String[] p = v.split("\\.", -1);
        for (int i = 0; i < Math.min(3, p.length); i++) {
            try {
                r[i] = Integer.parseInt(p[i]);
            } catch (NumberFormatException e) {
                return new int[] {-1, -1, -1};
            }
        }
        return r;
    }

    /** The VERSION command's answer. */
    public static String versionResult(String requested) {
        return Json.write(
                Json.obj("cniVersion", isSupported(requested) ? requested : LATEST, "supportedVersions", SUPPORTED));
    }
}
