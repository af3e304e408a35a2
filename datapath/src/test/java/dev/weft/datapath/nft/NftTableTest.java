package dev.weft.datapath.nft;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class NftTableTest {

    @Test
    void rendersAtomicReplaceScript() {
        String s = NftRuleset.render(List.of(Cidr.parse("198.18.0.0/15")));
        assertThat(s).startsWith("table inet weft {}\ndelete table inet weft\ntable inet weft {\n");
        assertThat(s)
                .contains(
                        "ip saddr 198.18.0.0/15 ip daddr 198.18.0.0/15 return\n    ip saddr 198.18.0.0/15 masquerade fully-random");
        assertThat(s)
                .contains(
                        "type filter hook forward priority filter; policy accept;\n    ip saddr 198.18.0.0/15 accept\n    ip daddr 198.18.0.0/15 accept");
        assertThat(s).doesNotContain("ip6");
        String dual = NftRuleset.render(
                List.of(Cidr.parse("198.18.0.0/16"), Cidr.parse("2001:db8::/48"), Cidr.parse("10.32.0.0/12")));
        assertThat(dual)
                .contains("ip saddr { 10.32.0.0/12, 198.18.0.0/16 } masquerade")
                .contains("ip6 saddr 2001:db8::/48 masquerade");
        assertThatThrownBy(() -> NftRuleset.render(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @Tag("kernel")
    void appliedInNamespaceAndRepaired() {
        try (TestNetns t = new TestNetns()) {
            String ns = t.create("nft");
            // a foreign table that must survive
            in(ns, "nft", "add", "table", "inet", "other");
            NftTable table = new NftTable(List.of("ip", "netns", "exec", ns, "nft"));
            table.setClusterRanges(List.of(Cidr.parse("198.18.0.0/15")));
            assertThat(table.reconcile()).isTrue();
            String listed = in(ns, "nft", "list", "table", "inet", "weft");
            assertThat(listed)
                    .contains("masquerade fully-random")
                    .contains("ip saddr 198.18.0.0/15 ip daddr 198.18.0.0/15 return");
            assertThat(table.reconcile()).isFalse(); // unchanged: nothing applied

            in(ns, "nft", "flush", "chain", "inet", "weft", "postrouting");
            assertThat(table.reconcile()).isTrue();
            assertThat(table.repairs()).isEqualTo(1);
            assertThat(in(ns, "nft", "list", "table", "inet", "weft")).contains("masquerade");

            in(ns, "nft", "delete", "table", "inet", "weft");
            assertThat(table.reconcile()).isTrue();
            assertThat(table.repairs()).isEqualTo(2);

            table.setClusterRanges(List.of(Cidr.parse("198.18.0.0/16")));
            assertThat(table.reconcile()).isTrue();
            assertThat(in(ns, "nft", "list", "table", "inet", "weft"))
                    .contains("198.18.0.0/16")
                    .doesNotContain("/15");
            assertThat(in(ns, "nft", "list", "tables")).contains("table inet other");
            table.delete();
            assertThat(in(ns, "nft", "list", "tables")).doesNotContain("weft");
        }
    }
}
