package dev.weft.agent.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The node under attack for the hostile-peer tests: a real controller (real IPAM on a staged in-memory store) of seed
 * node "a", in a cluster created by seeds "a" and "c"; honest peer C has claimed its share; compromised peer M is
 * live and authenticated (so everything it sends reaches the controller). Effects are completed by hand.
 */
final class HostileCluster {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/20");
    static final PeerId SELF = PeerId.of(0xa1);
    static final PeerId C = PeerId.of(0xc3);
    static final PeerId M = PeerId.of(0xbad);

    final RecordingEffects fx = new RecordingEffects();
    final AgentController controller;
    long now = 10_000;

    HostileCluster(boolean podCidrMode) throws Exception {
        List<String> seeds = podCidrMode ? List.of() : List.of("a", "c");
        StagedStore staged = new StagedStore(Optional.empty());
        IpamNode ipam =
                IpamNode.open(IpamConfig.of(podCidrMode ? Cidr.parse("198.18.1.0/24") : RANGE, 16), staged, SELF, "a");
        if (podCidrMode) {
            ipam.bootstrapAsCreator("podcidr");
            ipam.markSynced();
        } else {
            ipam.bootstrapFromSeeds(seeds);
        }
        LocalNode self = AgentControllerTest.nodeA(SELF);
        ControllerSettings settings =
                new ControllerSettings(seeds, false, podCidrMode, false, 4789, 4242, 6770, Optional.empty(), RANGE);
        controller = new AgentController(self, settings, ipam, staged, fx, now);
        if (podCidrMode) return;
        // alone at first: a claims its share; then C joins with its own claim, and M joins
        now += 4_000;
        controller.onTick(now);
        settle();
        controller.onMember(AgentControllerTest.member(C, MemberState.ALIVE, AgentControllerTest.record(C, List.of())));
        Ring withC = ring().claimSeed(C.value(), "c");
        controller.onRingState(C, RingCodec.encode(withC));
        controller.onMember(AgentControllerTest.member(M, MemberState.ALIVE, AgentControllerTest.record(M, List.of())));
        settle();
    }

    Ring ring() {
        return controller.ipam().ring().orElseThrow();
    }

    /** Completes every pending write and datapath apply. */
    void settle() {
        while (!fx.persists.isEmpty() || !fx.applies.isEmpty()) {
            while (!fx.persists.isEmpty())
                controller.onPersisted(fx.persists.removeFirst().seq());
            while (!fx.applies.isEmpty()) {
                var r = fx.applies.removeFirst();
                DesiredState d = DesiredStateCalculator.compute(DatapathConfig.defaults(), r.view());
                controller.onDatapathApplied(
                        r.seq(), d, new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), 0));
            }
        }
    }

    /** Starts {@code n} pods on this node (allocated and on disk). */
    List<IpAddress> pods(int n) {
        List<Object> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            controller.onAllocate(new AttachmentKey("pod" + i, "eth0"), AgentControllerTest.into(answers));
            settle();
        }
        return answers.stream()
                .map(a -> ((AllocationResult.Allocated) a).address())
                .toList();
    }

    /** Everything a hostile peer could have moved, as one comparable value. */
    String state() {
        var s = controller.snapshot();
        return "ring=" + ring().entries() + " removed=" + ring().tombstones() + "\nallocations="
                + new java.util.TreeMap<>(controller.ipam().allocations())
                + "\nroutes=" + controller.view().peers() + "\nfree="
                + controller.ipam().localFree()
                + "\npeers="
                + s.peers().stream().map(p -> p.id() + ":" + p.alive()).toList()
                + "\nrestarts=" + fx.restarts;
    }

    /** Captures the WARN and ERROR lines of one logger. Close to detach. */
    static final class LogLines implements AutoCloseable {
        private final Logger logger;
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        LogLines(Class<?> of) {
            logger = (Logger) LoggerFactory.getLogger(of);
            appender.start();
            logger.addAppender(appender);
        }

        List<String> lines() {
            return appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }
}
