package dev.weft.agent.runtime;

import dev.weft.agent.core.DatapathRequest;
import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DatapathStatus;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.nft.NftTable;
import dev.weft.ipam.addr.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel side of the agent, on its own thread: turns the controller's view into the desired datapath (with the
 * sleeve's per-peer choices), reconciles netlink and nftables, and reports back. Slow kernel work or a slow
 * {@code nft} delays only this thread, never the controller or gossip.
 */
public final class DatapathWorker {
    private static final Logger log = LoggerFactory.getLogger(DatapathWorker.class);

    /** Where results go (the controller, through its loop). */
    public interface Report {
        void applied(long seq, DesiredState desired, ReconcileResult result);
    }

    private final Reconciler reconciler;
    private final DatapathConfig config;
    private final NftTable nft;
    private final SleeveIntegration sleeve;
    private final Report report;
    private DatapathRequest last;
    private List<Cidr> nftRanges = List.of();
    private volatile DatapathStatus status;
    private volatile java.util.Map<String, String> pathHealth = java.util.Map.of();

    /** @param nft null to leave nftables alone (simulation); @param sleeve null when no sleeve runs */
    public DatapathWorker(
            Reconciler reconciler, DatapathConfig config, NftTable nft, SleeveIntegration sleeve, Report report) {
        this.reconciler = reconciler;
        this.config = config;
        this.nft = nft;
        this.sleeve = sleeve;
        this.report = report;
    }

    /** Applies one request (on the worker's thread). */
    public void apply(DatapathRequest r) {
        last = r;
        DatapathConfig cfg = sleeve != null && sleeve.running() ? config.withSleeveDevice(sleeve.deviceName()) : config;
        DesiredState desired = DesiredStateCalculator.compute(cfg, withSleeveChoices(r));
        reconciler.setDesired(desired);
        ReconcileResult result = r.addOnly() ? reconciler.reconcileAddOnly() : reconciler.reconcile();
        if (nft != null) applyNft(r.clusterRanges());
        status = reconciler.status();
        report.applied(r.seq(), desired, result);
    }

    /** Every second (on the worker's thread): the sleeve follows the last request's peers and probes kernel paths. */
    public void sleeveTick(long nowNanos) {
        if (sleeve == null || last == null) return;
        sleeve.tick(
                Optional.ofNullable(last.view().local().vtepAddress()),
                last.sleevePeers(),
                nowNanos,
                reconciler.status().deviceIndex());
        pathHealth = java.util.Map.copyOf(sleeve.kernelPathHealth());
    }

    /** Per peer id: "ok", or why its kernel path is not used (as of the last sleeve tick). */
    public java.util.Map<String, String> kernelPathHealth() {
        return pathHealth;
    }

    /** A peer restarted or changed state: forget its probe history (on the worker's thread). */
    public void forgetPathHealth(dev.weft.id.PeerId peer) {
        if (sleeve != null) sleeve.resetPeer(peer);
    }

    /** The peers' datapaths as the sleeve's probes allow them (only a live peer's probes mean anything). */
    private ClusterView withSleeveChoices(DatapathRequest r) {
        if (sleeve == null) return r.view();
        List<ClusterView.RemotePeer> peers = new ArrayList<>();
        for (ClusterView.RemotePeer p : r.view().peers()) {
            var modes = r.livePeers().contains(p.peerId()) ? sleeve.usable(p.peerId(), p.datapaths()) : p.datapaths();
            peers.add(new ClusterView.RemotePeer(
                    p.peerId(),
                    p.underlayAddress(),
                    p.vtepMac(),
                    p.vtepAddress(),
                    p.cidrs(),
                    p.sameL2(),
                    modes,
                    p.vtepAddressV6()));
        }
        return new ClusterView(r.view().local(), peers, r.view().pods());
    }

    private void applyNft(List<Cidr> ranges) {
        try {
            if (!ranges.equals(nftRanges)) {
                nft.setClusterRanges(ranges);
                nftRanges = List.copyOf(ranges);
            }
            if (nft.reconcile()) log.atInfo().log("nftables table 'weft' (masquerade, forward) installed or repaired");
        } catch (RuntimeException e) {
            log.atError()
                    .log("nftables rules could not be applied: " + e.getMessage()
                            + "; is nftables installed (nft) and the kernel's nf_tables available?");
        }
    }

    /** The reconciler's status after the last apply (null before the first). */
    public DatapathStatus status() {
        return status;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public Optional<SleeveIntegration> sleeve() {
        return Optional.ofNullable(sleeve);
    }
}
