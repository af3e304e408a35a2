package dev.weft.k8s.discovery;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.InvalidAddressException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What Weft needs to know about one Kubernetes Node. Two values are equal when nothing Weft cares about
 * changed, so an update that only touched (say) a heartbeat timestamp produces no event.
 *
 * @param nodeName  the Node's name (the peer's nickname)
 * @param uid       the Node object's uid; a node deleted and re-created under the same name gets a new one
 * @param addresses the node's addresses of the preferred type that parse as IP literals, in API order
 *                  (empty when the node has none, e.g. just registered)
 * @param podCidrs  {@code spec.podCIDRs} (or the single {@code spec.podCIDR}) as written in the API, may be empty
 * @param peerId    the {@code weft.dev/peer-id} annotation, when the node's agent has announced itself
 * @param version   the {@code weft.dev/version} annotation
 */
public record NodePeer(
        String nodeName,
        String uid,
        List<InetAddress> addresses,
        List<String> podCidrs,
        Optional<String> peerId,
        Optional<String> version) {

    public NodePeer {
        Objects.requireNonNull(nodeName, "nodeName");
        uid = uid == null ? "" : uid;
        addresses = List.copyOf(addresses);
        podCidrs = List.copyOf(podCidrs);
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(version, "version");
    }

    /** The underlay address to use: the first of {@link #addresses()}, if any. */
    public Optional<InetAddress> address() {
        return addresses.isEmpty() ? Optional.empty() : Optional.of(addresses.getFirst());
    }

    /**
     * {@link #podCidrs()} as IPAM CIDRs, for the podCIDR mode (the node's range comes from
     * {@code node.spec.podCIDR(s)} instead of the ring). Entries that do not parse are left out; the API
     * server validates these fields, so that only happens with a hand-edited or foreign object.
     */
    public List<Cidr> podCidrRanges() {
        List<Cidr> out = new ArrayList<>();
        for (String s : podCidrs) {
            try {
                out.add(Cidr.parse(s.trim()));
            } catch (InvalidAddressException e) {
                // skipped, see above
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "node=" + nodeName + " address="
                + address().map(InetAddress::getHostAddress).orElse("none") + " podCIDRs=" + podCidrs + " peer="
                + peerId.orElse("unannounced");
    }
}
