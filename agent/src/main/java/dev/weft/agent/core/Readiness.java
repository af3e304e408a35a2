package dev.weft.agent.core;

import dev.weft.ipam.IpamNode;
import java.util.ArrayList;
import java.util.List;

/** Why this node is not ready (empty when it is): each line says what it waits for. */
final class Readiness {
    private Readiness() {}

    static List<String> problems(
            boolean removed,
            IpamNode ipam,
            ControllerSettings settings,
            String ringError,
            String diskError,
            boolean datapathProgrammed,
            String datapathError) {
        List<String> p = new ArrayList<>();
        if (removed) p.add("this node was removed from the cluster and is restarting with a new identity");
        if (ipam.ring().isEmpty()) {
            p.add(
                    settings.ipamSeeds().isEmpty() && !settings.kubernetes()
                            ? "no IPAM ring yet: waiting to receive it from a peer (--peers); a new cluster needs --ipam-seed on every node"
                            : "no IPAM ring yet");
        } else if (ipam.ownedSize() == 0) {
            p.add(
                    "this node owns no address space yet: waiting for a peer to donate some (it asks the peer with the most free space)");
        }
        if (ipam.ring().isPresent() && !ipam.isSynced()) {
            p.add(
                    "waiting for a peer's copy of the IPAM ring (after a restart this node only hands out new addresses once it "
                            + "knows its ranges were not reclaimed while it was away)");
        }
        if (ringError != null) p.add("IPAM: " + ringError);
        if (diskError != null)
            p.add("IPAM state cannot be saved: " + diskError
                    + " (is the state directory writable and the disk not full?)");
        if (!datapathProgrammed)
            p.add("datapath not programmed yet" + (datapathError == null ? "" : ": " + datapathError));
        return p;
    }
}
