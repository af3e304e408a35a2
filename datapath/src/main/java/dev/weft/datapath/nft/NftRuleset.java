package dev.weft.datapath.nft;

import dev.weft.ipam.addr.Cidr;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Pure rendering of Weft's nftables table ({@code table inet weft}). The script first creates and
 * deletes the table and then defines it again, so {@code nft -f} replaces it in one atomic
 * transaction (other tables are never touched):
 * <ul>
 *   <li>{@code postrouting} (nat, srcnat): traffic from the cluster range to the cluster range is
 *       left alone ({@code return}); traffic from the cluster range to anywhere else is
 *       masqueraded ({@code fully-random} ports).</li>
 *   <li>{@code forward} (filter): traffic from or to the cluster range is accepted. Note: an accept
 *       here does not override a drop in another table's forward chain.</li>
 * </ul>
 */
public final class NftRuleset {
    public static final String TABLE = "weft";

    private NftRuleset() {}

    /** @param clusterRanges the cluster range(s); IPv4 and IPv6 may be mixed; must not be empty */
    public static String render(List<Cidr> clusterRanges) {
        if (clusterRanges.isEmpty()) {
            throw new IllegalArgumentException("at least one cluster range is needed for the nftables rules");
        }
        String v4 = set(clusterRanges, true);
        String v6 = set(clusterRanges, false);
        StringBuilder s = new StringBuilder();
        s.append("table inet ").append(TABLE).append(" {}\n");
        s.append("delete table inet ").append(TABLE).append("\n");
        s.append("table inet ").append(TABLE).append(" {\n");
        s.append("  chain postrouting {\n");
        s.append("    type nat hook postrouting priority srcnat; policy accept;\n");
        if (v4 != null) {
            s.append("    ip saddr ").append(v4).append(" ip daddr ").append(v4).append(" return\n");
            s.append("    ip saddr ").append(v4).append(" masquerade fully-random\n");
        }
        if (v6 != null) {
            s.append("    ip6 saddr ")
                    .append(v6)
                    .append(" ip6 daddr ")
                    .append(v6)
                    .append(" return\n");
            s.append("    ip6 saddr ").append(v6).append(" masquerade fully-random\n");
        }
        s.append("  }\n");
        s.append("  chain forward {\n");
        s.append("    type filter hook forward priority filter; policy accept;\n");
        if (v4 != null) {
            s.append("    ip saddr ").append(v4).append(" accept\n");
            s.append("    ip daddr ").append(v4).append(" accept\n");
        }
        if (v6 != null) {
            s.append("    ip6 saddr ").append(v6).append(" accept\n");
            s.append("    ip6 daddr ").append(v6).append(" accept\n");
        }
        s.append("  }\n");
        s.append("}\n");
        return s.toString();
    }

    private static String set(List<Cidr> ranges, boolean v4) {
        List<String> items = ranges.stream()
                .filter(c -> c.isIpv4() == v4)
                .sorted()
                .map(Cidr::toString)
                .toList();
        if (items.isEmpty()) return null;
        return items.size() == 1 ? items.getFirst() : items.stream().collect(Collectors.joining(", ", "{ ", " }"));
    }
}
