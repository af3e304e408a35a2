package dev.weft.e2e.lab;

/**
 * The underlay namespace: the bridge {@code br0} and the bridge ends {@code n1..nN} of the node
 * links. Useful to watch the wire ({@code tcpdump -i br0}) or inspect the bridge.
 */
public final class LabUnderlay extends LabNamespace {
    LabUnderlay(Lab lab) {
        super(lab, LabNames.underlayNamespace(lab.runId()));
    }

    @Override
    public String name() {
        return "underlay";
    }

    /** The bridge all nodes are attached to. */
    public String bridge() {
        return LabNames.BRIDGE;
    }
}
