package dev.weft.ipam.addr;

/**
 * Address text for {@link IpAddress}: strict parsing of dotted-quad IPv4 and IPv6 literals, and the
 * canonical forms (dotted quad; RFC 5952 for IPv6).
 */
final class AddressText {
    private AddressText() {}

    static int parseV4(String text, String whole) {
        int value = 0;
        int octets = 0;
        int i = 0;
        int n = text.length();
        while (true) {
            int start = i;
            int octet = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                octet = octet * 10 + (text.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw new InvalidAddressException(whole, "IPv4 octet has more than 3 digits");
                }
            }
            if (i == start) {
                throw new InvalidAddressException(whole, "expected a decimal octet at position " + i);
            }
            if (i - start > 1 && text.charAt(start) == '0') {
                throw new InvalidAddressException(whole, "IPv4 octet with a leading zero");
            }
            if (octet > 255) {
                throw new InvalidAddressException(whole, "IPv4 octet " + octet + " is above 255");
            }
            value = (value << 8) | octet;
            octets++;
            if (i == n) {
                break;
            }
            if (text.charAt(i) != '.' || octets == 4) {
                throw new InvalidAddressException(whole, "unexpected character at position " + i);
            }
            i++;
        }
        if (octets != 4) {
            throw new InvalidAddressException(whole, "IPv4 address needs 4 octets, got " + octets);
        }
        return value;
    }

    /** The two 64-bit halves, most significant first. */
    static long[] parseV6(String text) {
        if (text.indexOf('%') >= 0) {
            throw new InvalidAddressException(text, "zone ids are not accepted");
        }
        int[] groups = new int[8];
        int count = 0;
        int gapAt = -1; // index in groups where "::" stands
        int n = text.length();
        int i = 0;
        if (text.startsWith("::")) {
            gapAt = 0;
            i = 2;
            if (n == 2) {
                return new long[] {0, 0};
            }
        } else if (text.startsWith(":")) {
            throw new InvalidAddressException(text, "IPv6 address starts with a single ':'");
        }
        while (i < n) {
            int start = i;
            int group = 0;
            while (i < n && Character.digit(text.charAt(i), 16) >= 0) {
                group = (group << 4) | Character.digit(text.charAt(i), 16);
                i++;
            }
            int len = i - start;
            if (i < n && text.charAt(i) == '.') {
                // embedded IPv4 in the last 32 bits
                if (count > 6) {
                    throw new InvalidAddressException(text, "embedded IPv4 part comes too late");
                }
                int v4 = parseV4(text.substring(start), text);
                groups[count++] = v4 >>> 16;
                groups[count++] = v4 & 0xffff;
                i = n;
                break;
            }
            if (len == 0 || len > 4) {
                throw new InvalidAddressException(
                        text, "IPv6 group at position " + start + " must have 1 to 4 hex digits");
            }
            if (count == 8) {
                throw new InvalidAddressException(text, "more than 8 IPv6 groups");
            }
            groups[count++] = group;
            if (i == n) {
                break;
            }
            if (text.charAt(i) != ':') {
                throw new InvalidAddressException(text, "unexpected character at position " + i);
            }
            i++;
            if (i < n && text.charAt(i) == ':') {
                if (gapAt >= 0) {
                    throw new InvalidAddressException(text, "'::' appears more than once");
                }
                gapAt = count;
                i++;
            } else if (i == n) {
                throw new InvalidAddressException(text, "IPv6 address ends with a single ':'");
            }
        }
        int[] full = new int[8];
        if (gapAt >= 0) {
            if (count > 7) {
                throw new InvalidAddressException(text, "'::' stands for no groups");
            }
            int tail = count - gapAt;
            System.arraycopy(groups, 0, full, 0, gapAt);
            System.arraycopy(groups, gapAt, full, 8 - tail, tail);
        } else {
            if (count != 8) {
                throw new InvalidAddressException(text, "IPv6 address needs 8 groups, got " + count);
            }
            full = groups;
        }
        long h = 0;
        long l = 0;
        for (int g = 0; g < 4; g++) {
            h = (h << 16) | full[g];
            l = (l << 16) | full[g + 4];
        }
        return new long[] {h, l};
    }

    static String formatV4(int v) {
        return ((v >>> 24) & 0xff) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }

    /**
     * RFC 5952: lower case, the longest run of two or more zero groups compressed, the first such
     * run on a tie, {@code ::ffff:a.b.c.d} for IPv4-mapped addresses.
     */
    static String formatV6(long hi, long lo) {
        int[] g = new int[8];
        for (int k = 0; k < 4; k++) {
            g[k] = (int) ((hi >>> (48 - 16 * k)) & 0xffff);
            g[k + 4] = (int) ((lo >>> (48 - 16 * k)) & 0xffff);
        }
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            return "::ffff:" + formatV4((int) lo);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int k = 0; k < 8; ) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int s = k;
            while (k < 8 && g[k] == 0) {
                k++;
            }
            if (k - s > bestLen) {
                bestLen = k - s;
                bestStart = s;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int k = 0; k < 8; k++) {
            if (k == bestStart) {
                sb.append("::");
                k += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[k]));
        }
        return sb.toString();
    }
}
