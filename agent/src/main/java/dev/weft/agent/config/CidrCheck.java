package dev.weft.agent.config;

/** Syntax check of a CIDR for start-up validation; the IPAM module parses it for real. */
final class CidrCheck {
    private CidrCheck() {}

    /** Null if {@code s} looks like a CIDR, else what is wrong with it. */
    static String problem(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) return "missing /prefix";
        String addr = s.substring(0, slash);
        int prefix;
        try {
            prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            return "prefix is not a number";
        }
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!v4 && !(addr.contains(":") && addr.matches("[0-9a-fA-F:]+"))) return "not an IP address";
        int max = v4 ? 32 : 128;
        if (prefix < 1 || prefix > max) return "prefix must be 1.." + max;
        if (v4) {
            for (String p : addr.split("\\.")) if (Integer.parseInt(p) > 255) return "octet > 255";
        }
        return null;
    }
}
