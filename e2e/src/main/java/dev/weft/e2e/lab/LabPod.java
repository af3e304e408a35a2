package dev.weft.e2e.lab;

/** An empty pod network namespace belonging to a node; the product plumbs it (veth, address, routes). */
public final class LabPod extends LabNamespace {
    private final LabNode node;
    private final String label;

    LabPod(Lab lab, LabNode node, String label) {
        super(lab, LabNames.podNamespace(lab.runId(), node.index(), label));
        this.node = node;
        this.label = label;
    }

    public LabNode node() {
        return node;
    }

    public String label() {
        return label;
    }

    /** {@code <node>-<label>}, e.g. {@code n1-web}. */
    @Override
    public String name() {
        return node.name() + "-" + label;
    }

    /** Kills whatever runs in the pod namespace and deletes it (what a runtime does when a pod goes). */
    public void delete() {
        lab.deletePod(this);
    }
}
