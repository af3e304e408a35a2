package dev.weft.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;

/** Node objects for tests. */
public final class Nodes {
    private Nodes() {}

    public static Node node(String name, String internalIp, String podCidr) {
        NodeBuilder b = new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withUid("uid-" + name)
                .endMetadata()
                .withNewSpec()
                .withPodCIDR(podCidr)
                .endSpec()
                .withNewStatus()
                .addNewAddress()
                .withType("Hostname")
                .withAddress(name)
                .endAddress()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress(internalIp)
                .endAddress()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .endCondition()
                .endStatus();
        return b.build();
    }
}
