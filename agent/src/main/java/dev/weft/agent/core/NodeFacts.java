package dev.weft.agent.core;

import java.net.InetAddress;
import java.util.List;

/**
 * What the Kubernetes Node object that names a peer id (annotation {@code weft.dev/peer-id}) says about that peer:
 * the checks of {@link NodeAdmission} compare the peer's gossiped record with it.
 *
 * @param nodeName the Node's name
 * @param addresses the Node's addresses of the preferred type (InternalIP first by default), empty if none yet
 * @param podCidrs the Node's {@code spec.podCIDRs} as written in the API
 */
public record NodeFacts(String nodeName, List<InetAddress> addresses, List<String> podCidrs) {
    public NodeFacts {
        addresses = List.copyOf(addresses);
        podCidrs = List.copyOf(podCidrs);
    }
}
