package dev.weft.k8s.discovery;

import dev.weft.k8s.WeftKeys;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeSpec;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns a Node object into a {@link NodePeer}. Pure: no API calls. */
public final class NodePeers {
    private NodePeers() {}

    public static NodePeer fromNode(Node node, AddressPreference preference) {
        var meta = node.getMetadata();
        String name = meta == null || meta.getName() == null ? "" : meta.getName();
        Map<String, String> ann = meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        return new NodePeer(
                name,
                meta == null ? "" : meta.getUid(),
                addresses(node, preference),
                podCidrs(node.getSpec()),
                Optional.ofNullable(ann.get(WeftKeys.PEER_ID)).map(String::trim).filter(WeftKeys::isValidPeerId),
                Optional.ofNullable(ann.get(WeftKeys.VERSION)).filter(s -> !s.isBlank()));
    }

    /** Addresses of the first preferred type that has at least one valid IP literal. */
    static List<InetAddress> addresses(Node node, AddressPreference preference) {
        List<NodeAddress> all = node.getStatus() == null || node.getStatus().getAddresses() == null
                ? List.of()
                : node.getStatus().getAddresses();
        for (String type : preference.addressTypes()) {
            List<InetAddress> found = new ArrayList<>();
            for (NodeAddress a : all) {
                if (a != null && type.equals(a.getType()) && a.getAddress() != null) {
                    parseLiteral(a.getAddress()).ifPresent(found::add);
                }
            }
            if (!found.isEmpty()) return found;
        }
        return List.of();
    }

    /** podCIDRs when set (dual stack), else the legacy single podCIDR, else nothing. */
    public static List<String> podCidrs(NodeSpec spec) {
        if (spec == null) return List.of();
        if (spec.getPodCIDRs() != null && !spec.getPodCIDRs().isEmpty()) {
            return spec.getPodCIDRs().stream()
                    .filter(s -> s != null && !s.isBlank())
                    .toList();
        }
        if (spec.getPodCIDR() != null && !spec.getPodCIDR().isBlank()) return List.of(spec.getPodCIDR());
        return List.of();
    }

    /** Parses an IP literal without ever resolving a name. */
    static Optional<InetAddress> parseLiteral(String s) {
        try {
            return Optional.of(InetAddress.ofLiteral(s.trim()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
