package dev.weft.k8s.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.k8s.Nodes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodePeersTest {

    private static Node withAddresses(String... typeAndAddr) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName("n").endMetadata();
        var s = b.withNewStatus();
        for (int i = 0; i < typeAndAddr.length; i += 2) {
            s.addNewAddress()
                    .withType(typeAndAddr[i])
                    .withAddress(typeAndAddr[i + 1])
                    .endAddress();
        }
        return s.endStatus().build();
    }

    @Test
    void prefersInternalAndFallsBackToExternal() {
        Node both = withAddresses("ExternalIP", "198.51.100.7", "InternalIP", "192.0.2.7");
        Node extOnly = withAddresses("Hostname", "n", "ExternalIP", "198.51.100.8");
        assertThat(NodePeers.fromNode(both, AddressPreference.INTERNAL_FIRST).address())
                .contains(InetAddress.ofLiteral("192.0.2.7"));
        assertThat(NodePeers.fromNode(extOnly, AddressPreference.INTERNAL_FIRST).address())
                .contains(InetAddress.ofLiteral("198.51.100.8"));
        assertThat(NodePeers.fromNode(both, AddressPreference.EXTERNAL_FIRST).address())
                .contains(InetAddress.ofLiteral("198.51.100.7"));
        assertThat(NodePeers.fromNode(extOnly, AddressPreference.INTERNAL_ONLY).address())
                .isEmpty();
    }

    @Test
    void skipsGarbageAndNeverResolvesNames() {
        Node n = withAddresses(
                "InternalIP",
                "not-an-ip.example",
                "InternalIP",
                "",
                "InternalIP",
                "2001:db8::5",
                "InternalIP",
                "192.0.2.9");
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).addresses())
                .containsExactly(InetAddress.ofLiteral("2001:db8::5"), InetAddress.ofLiteral("192.0.2.9"));
        assertThat(NodePeers.fromNode(new Node(), AddressPreference.INTERNAL_FIRST)
                        .addresses())
                .isEmpty();
    }

    @Test
    void podCidrsPreferTheListOverTheLegacyField() {
        Node n = Nodes.node("a", "192.0.2.1", "198.18.0.0/24");
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).podCidrs())
                .containsExactly("198.18.0.0/24");
        n.getSpec().setPodCIDRs(List.of("198.18.1.0/24", "fd00::/64"));
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).podCidrs())
                .containsExactly("198.18.1.0/24", "fd00::/64");
    }

    @Test
    void podCidrsAsIpamCidrsSkipGarbage() {
        Node n = Nodes.node("a", "192.0.2.1", null);
        n.getSpec().setPodCIDRs(List.of("198.18.1.0/24", "not/a/cidr", "fd00::/64"));
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).podCidrRanges())
                .containsExactly(
                        dev.weft.ipam.addr.Cidr.parse("198.18.1.0/24"), dev.weft.ipam.addr.Cidr.parse("fd00::/64"));
    }

    @Test
    void peerIdAnnotationIsTakenOnlyWhenWellFormed() {
        Node n = Nodes.node("a", "192.0.2.1", null);
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).peerId())
                .isEmpty();
        n.getMetadata()
                .setAnnotations(new java.util.HashMap<>(
                        java.util.Map.of("weft.dev/peer-id", "00ff00ff00ff00ff", "weft.dev/version", "0.1.0")));
        NodePeer p = NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST);
        assertThat(p.peerId()).contains("00ff00ff00ff00ff");
        assertThat(p.version()).contains("0.1.0");
        n.getMetadata().getAnnotations().put("weft.dev/peer-id", "DROP TABLE");
        assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).peerId())
                .isEqualTo(Optional.empty());
        // only 16 lower-case hex digits, not all zero: what Weft writes (issue 13)
        for (String bad : java.util.List.of(
                "peer-a",
                "00ff00ff00ff00f",
                "00ff00ff00ff00ff0",
                "00FF00FF00FF00FF",
                "0000000000000000",
                "00ff00ff00ff00fg")) {
            n.getMetadata().getAnnotations().put("weft.dev/peer-id", bad);
            assertThat(NodePeers.fromNode(n, AddressPreference.INTERNAL_FIRST).peerId())
                    .as(bad)
                    .isEmpty();
        }
    }

    @Test
    void equalityIgnoresWhatWeftDoesNotUse() {
        Node a = Nodes.node("a", "192.0.2.1", "198.18.0.0/24");
        Node b = Nodes.node("a", "192.0.2.1", "198.18.0.0/24");
        b.getMetadata().setResourceVersion("999");
        b.getStatus().getConditions().getFirst().setStatus("False");
        assertThat(NodePeers.fromNode(a, AddressPreference.INTERNAL_FIRST))
                .isEqualTo(NodePeers.fromNode(b, AddressPreference.INTERNAL_FIRST));
    }
}
