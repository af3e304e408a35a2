package dev.weft.agent.cni;

import dev.weft.agent.api.AgentJson;
import dev.weft.cni.CniError;
import dev.weft.cni.CniException;
import dev.weft.cni.CniInvocation;
import dev.weft.cni.CniVersions;
import dev.weft.cni.ProtoMessages;
import dev.weft.cni.ShimProtocol;
import dev.weft.cni.proto.CniRequest;
import dev.weft.cni.proto.CniResponse;
import dev.weft.ipam.addr.IpAddress;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CNI commands (spec 1.1.0, configs 0.3.0-1.1.0) on top of the node allocator and pod plumbing.
 *
 * <p>Thread-safe: calls for one container id run one after another, calls for different containers in
 * parallel on the caller's threads. Every outcome is a {@link CniResponse}: a result or a CNI error JSON.
 */
public final class CniHandler {

    private static final Logger log = LoggerFactory.getLogger(CniHandler.class);

    private final CniIpam ipam;
    private final PodNetwork pods;
    private final CniReadiness readiness;
    private final IntSupplier mtu;
    private final LongSupplier nanoTime;
    private final KeyedLocks locks = new KeyedLocks();
    private final CniStats stats = new CniStats();

    /**
     * @param ipam the node allocator (the agent adapts its IpamNode, see agent.runtime.LoopIpam)
     * @param pods the pod plumbing (adapter: {@link DatapathPodNetwork})
     * @param readiness empty while the agent can serve ADD, else why not
     * @param mtu the pod MTU the datapath decided (read at every ADD)
     * @param nanoTime monotonic clock for latency counters ({@code System::nanoTime} in the agent)
     */
    public CniHandler(CniIpam ipam, PodNetwork pods, CniReadiness readiness, IntSupplier mtu, LongSupplier nanoTime) {
        this.ipam = ipam;
        this.pods = pods;
        this.readiness = readiness;
        this.mtu = mtu;
        this.nanoTime = nanoTime;
    }

    public CniStats stats() {
        return stats;
    }

    /** Answers one request from the plugin. Never throws. */
    public CniResponse handle(CniRequest request) {
        if (!ShimProtocol.accepts(request.getProtocolVersion())) {
            stats.errors.incrementAndGet();
            return ProtoMessages.errorResponse(
                    new CniError(
                            CniError.PROTOCOL_MISMATCH,
                            "the weft plugin speaks protocol version " + request.getProtocolVersion() + ", the agent "
                                    + ShimProtocol.MIN_VERSION + ".." + ShimProtocol.MAX_VERSION,
                            "install the plugin from the same Weft release as the agent"),
                    null);
        }
        CniInvocation inv = ProtoMessages.fromProto(request);
        String version = null;
        stats.inFlight.incrementAndGet();
        long t0 = nanoTime.getAsLong();
        boolean ok = false;
        try {
            inv.validateEnv();
            if (CniInvocation.VERSION.equals(inv.command())) {
                stats.versions.incrementAndGet();
                String requested = null;
                try {
                    requested = dev.weft.cni.NetConfSummary.parse(inv.stdin(), false)
                            .cniVersion();
                } catch (CniException e) {
                    // VERSION with an unusable body still answers with what we support.
                }
                ok = true;
                return ProtoMessages.response(0, CniVersions.versionResult(requested), "");
            }
            CniNetConf conf = CniNetConf.parse(inv.stdin());
            version = conf.cniVersion();
            String out = switch (inv.command()) {
                case CniInvocation.ADD -> add(inv, conf);
                case CniInvocation.DEL -> del(inv, conf);
                case CniInvocation.CHECK -> check(inv, conf);
                case CniInvocation.STATUS -> status(conf);
                case CniInvocation.GC -> gc(conf);
                default -> throw new CniException(CniError.INVALID_ENV, "unknown CNI_COMMAND '" + inv.command() + "'");
            };
            ok = true;
            return ProtoMessages.response(0, out, "");
        } catch (CniException e) {
            stats.errors.incrementAndGet();
            if (e.error().code() == CniError.TRY_AGAIN_LATER || e.error().code() == CniError.PLUGIN_NOT_AVAILABLE) {
                stats.notReady.incrementAndGet();
            }
            log.info(
                    "CNI {} failed: pod={} container={} if={} code={} error=\"{}\"",
                    inv.command(),
                    podName(inv),
                    inv.containerId(),
                    inv.ifName(),
                    e.error().code(),
                    e.error().msg());
            return ProtoMessages.errorResponse(e.error(), version);
        } catch (CniIpam.Busy e) {
            stats.errors.incrementAndGet();
            stats.notReady.incrementAndGet();
            log.info(
                    "CNI {} deferred: pod={} container={} the agent is busy: {}",
                    inv.command(),
                    podName(inv),
                    inv.containerId(),
                    e.getMessage());
            return ProtoMessages.errorResponse(
                    new CniError(
                            CniError.TRY_AGAIN_LATER,
                            "the weft agent is busy: " + e.getMessage(),
                            "the runtime retries; if this persists, 'weft status' and the agent log show what it is waiting for"),
                    version);
        } catch (RuntimeException e) {
            stats.errors.incrementAndGet();
            log.error(
                    "CNI {} failed unexpectedly: pod={} container={}",
                    inv.command(),
                    podName(inv),
                    inv.containerId(),
                    e);
            return ProtoMessages.errorResponse(
                    new CniError(
                            CniError.INTERNAL,
                            "weft agent failed handling " + inv.command() + ": " + e,
                            "this is a bug; the agent log has the stack trace"),
                    version);
        } finally {
            stats.inFlight.decrementAndGet();
            stats.observe(inv.command(), ok, (nanoTime.getAsLong() - t0) / 1e9);
        }
    }

    // ------------------------------------------------------------------ commands

    private String add(CniInvocation inv, CniNetConf conf) throws CniException {
        stats.adds.incrementAndGet();
        requireReady(CniError.TRY_AGAIN_LATER);
        long start = nanoTime.getAsLong();
        try (KeyedLocks.Held ignored = locks.lock(inv.containerId())) {
            CniIpam.Allocation alloc;
            try {
                alloc = ipam.allocate(inv.containerId(), inv.ifName());
            } catch (IOException e) {
                throw new CniException(
                        CniError.IO_FAILURE,
                        "could not record the address allocation: " + e.getMessage(),
                        "check the agent's state directory (disk full or read-only?)");
            }
            if (alloc instanceof CniIpam.Allocation.NoSpaceYet(String reason, String shortage, String whatToDo)) {
                if (shortage != null) {
                    throw new CniException(
                            CniError.TRY_AGAIN_LATER,
                            "no pod address available on this node: " + reason + "; " + shortage,
                            whatToDo + "; the runtime retries and the pod starts once addresses are free");
                }
                throw new CniException(
                        CniError.TRY_AGAIN_LATER,
                        "no pod address available on this node yet: " + reason,
                        "the node is still obtaining an address range from its peers; the runtime retries. If this "
                                + "persists, run 'weft status ipam'");
            }
            CniIpam.Allocation.Assigned a = (CniIpam.Allocation.Assigned) alloc;
            IpAddress v6 = allocateV6(inv, a.fresh());
            PodNetwork.Attached att;
            try {
                att = pods.attach(new PodNetwork.Attach(
                        inv.containerId(), inv.netns(), inv.ifName(), a.address(), v6, mtu.getAsInt()));
                ipam.awaitHostRoute(inv.containerId(), inv.ifName());
            } catch (PodNetworkException e) {
                if (a.fresh()) releaseQuietly(inv);
                throw switch (e.kind()) {
                    case INTERFACE_EXISTS ->
                        new CniException(
                                CniError.INTERFACE_EXISTS,
                                "interface " + inv.ifName() + " already exists in " + inv.netns(),
                                "ADD was called twice without DEL; call DEL first");
                    case NETNS_NOT_FOUND ->
                        new CniException(
                                CniError.UNKNOWN_CONTAINER,
                                "network namespace " + inv.netns() + " does not exist: " + e.getMessage());
                    default ->
                        new CniException(
                                CniError.KERNEL_ERROR,
                                "could not set up the pod's network: " + e.getMessage(),
                                "the agent log has details; 'weft doctor' checks the node");
                };
            } catch (RuntimeException e) {
                if (a.fresh()) releaseQuietly(inv);
                throw e;
            }
            String out = AgentJson.write(CniResults.addResult(conf, inv.netns(), att, a.address(), v6));
            long took = nanoTime.getAsLong() - start;
            stats.addNanosTotal.addAndGet(took);
            log.info(
                    "pod attached: pod={} container={} if={} ip={} host_if={} took_ms={}",
                    podName(inv),
                    inv.containerId(),
                    inv.ifName(),
                    v6 == null ? a.address() : a.address() + "," + v6,
                    att.hostIfName(),
                    took / 1_000_000);
            return out;
        }
    }

    private String del(CniInvocation inv, CniNetConf conf) throws CniException {
        stats.dels.incrementAndGet();
        long start = nanoTime.getAsLong();
        try (KeyedLocks.Held ignored = locks.lock(inv.containerId())) {
            PodNetworkException detachFailure = null;
            try {
                pods.detach(inv.containerId(), inv.netns(), inv.ifName());
            } catch (PodNetworkException e) {
                detachFailure = e;
            }
            Optional<IpAddress> had = ipam.lookup(inv.containerId(), inv.ifName());
            Optional<IpAddress> hadV6 = ipam.lookupV6(inv.containerId(), inv.ifName());
            try {
                ipam.release(inv.containerId(), inv.ifName());
            } catch (IOException e) {
                throw new CniException(
                        CniError.IO_FAILURE,
                        "could not record the release of the pod's address: " + e.getMessage(),
                        "check the agent's state directory; the runtime retries DEL");
            }
            if (detachFailure != null) {
                throw new CniException(
                        CniError.KERNEL_ERROR,
                        "could not remove the pod's network: " + detachFailure.getMessage(),
                        "the address was released; the runtime retries DEL");
            }
            long took = nanoTime.getAsLong() - start;
            stats.delNanosTotal.addAndGet(took);
            log.info(
                    "pod detached: pod={} container={} if={} ip={} took_ms={}",
                    podName(inv),
                    inv.containerId(),
                    inv.ifName(),
                    had.map(IpAddress::toString).orElse("none")
                            + hadV6.map(x -> "," + x).orElse(""),
                    took / 1_000_000);
            return "";
        }
    }

    private String check(CniInvocation inv, CniNetConf conf) throws CniException {
        stats.checks.incrementAndGet();
        if (!conf.atLeast("0.4.0")) {
            throw new CniException(
                    CniError.INCOMPATIBLE_VERSION,
                    "CHECK needs cniVersion 0.4.0 or later, the config has " + conf.cniVersion());
        }
        try (KeyedLocks.Held ignored = locks.lock(inv.containerId())) {
            IpAddress address = ipam.lookup(inv.containerId(), inv.ifName())
                    .orElseThrow(() -> new CniException(
                            CniError.UNKNOWN_CONTAINER,
                            "weft has no address for container " + inv.containerId() + " interface " + inv.ifName(),
                            "the pod was not set up by this agent (or its DEL already ran)"));
            IpAddress v6 = ipam.lookupV6(inv.containerId(), inv.ifName()).orElse(null);
            for (IpAddress x : v6 == null ? List.of(address) : List.of(address, v6)) {
                if (conf.prevResult() != null
                        && !CniResults.listsAddress(conf.prevResult(), inv.ifName(), inv.netns(), x)) {
                    throw new CniException(
                            CniError.CHECK_FAILED,
                            "prevResult does not list " + x + " on " + inv.ifName(),
                            "the runtime's cached result differs from weft's allocation");
                }
            }
            try {
                pods.check(new PodNetwork.Attach(
                        inv.containerId(), inv.netns(), inv.ifName(), address, v6, mtu.getAsInt()));
            } catch (PodNetworkException e) {
                throw switch (e.kind()) {
                    case NETNS_NOT_FOUND -> new CniException(CniError.UNKNOWN_CONTAINER, e.getMessage());
                    case MISMATCH ->
                        new CniException(
                                CniError.CHECK_FAILED, "pod network differs from what ADD set up: " + e.getMessage());
                    default ->
                        new CniException(
                                CniError.KERNEL_ERROR, "could not inspect the pod's network: " + e.getMessage());
                };
            }
            return "";
        }
    }

    private String status(CniNetConf conf) throws CniException {
        stats.statuses.incrementAndGet();
        requireVersionForNewCommand(conf, "STATUS");
        requireReady(CniError.PLUGIN_NOT_AVAILABLE);
        return "";
    }

    private String gc(CniNetConf conf) throws CniException {
        stats.gcs.incrementAndGet();
        requireVersionForNewCommand(conf, "GC");
        if (conf.validAttachments() == null) {
            throw new CniException(
                    CniError.INVALID_CONFIG, "GC needs 'cni.dev/valid-attachments' in the configuration");
        }
        Set<CniIpam.Attachment> valid = new HashSet<>(conf.validAttachments());
        List<CniIpam.Attachment> stale =
                ipam.attachments().stream().filter(a -> !valid.contains(a)).toList();
        int released = 0;
        int busy = 0;
        for (CniIpam.Attachment a : stale) {
            // An attachment with an ADD/DEL/CHECK in flight is not stale: its ADD may simply be newer than the
            // runtime's list. Leave it to the next GC.
            Optional<KeyedLocks.Held> held = locks.tryLock(a.containerId());
            if (held.isEmpty()) {
                busy++;
                continue;
            }
            try (KeyedLocks.Held ignored = held.get()) {
                try {
                    pods.detach(a.containerId(), null, a.ifName());
                } catch (PodNetworkException e) {
                    log.warn(
                            "GC could not remove host side: container={} if={} error=\"{}\"",
                            a.containerId(),
                            a.ifName(),
                            e.getMessage());
                }
                if (ipam.release(a.containerId(), a.ifName())) released++;
            } catch (IOException e) {
                throw new CniException(CniError.IO_FAILURE, "GC could not record a release: " + e.getMessage());
            }
        }
        if (busy > 0) log.info("CNI GC skipped attachments with a call in flight: count={}", busy);
        stats.gcReleased.addAndGet(released);
        log.info("CNI GC: valid={} released={}", valid.size(), released);
        return "";
    }

    // ------------------------------------------------------------------ helpers

    private void requireReady(int code) throws CniException {
        Optional<String> why = readiness.notReadyReason();
        if (why.isPresent()) {
            throw new CniException(
                    code,
                    "the weft agent is not ready: " + why.get(),
                    code == CniError.TRY_AGAIN_LATER
                            ? "the runtime retries; 'weft status' shows progress"
                            : "'weft status' shows what the agent is waiting for");
        }
    }

    private static void requireVersionForNewCommand(CniNetConf conf, String command) throws CniException {
        if (!conf.atLeast("1.1.0")) {
            throw new CniException(
                    CniError.INCOMPATIBLE_VERSION,
                    command + " needs cniVersion 1.1.0 or later, the config has " + conf.cniVersion());
        }
    }

    /**
     * Dual stack: the pod's IPv6 address, or null on a single-stack node. If the IPv6 ring has no space yet the ADD
     * is retried later (releasing the IPv4 address it just took).
     */
    private IpAddress allocateV6(CniInvocation inv, boolean freshV4) throws CniException {
        Optional<CniIpam.Allocation> alloc;
        try {
            alloc = ipam.allocateV6(inv.containerId(), inv.ifName());
        } catch (IOException e) {
            if (freshV4) releaseQuietly(inv);
            throw new CniException(
                    CniError.IO_FAILURE,
                    "could not record the IPv6 address allocation: " + e.getMessage(),
                    "check the agent's state directory (disk full or read-only?)");
        } catch (RuntimeException e) {
            if (freshV4) releaseQuietly(inv);
            throw e;
        }
        if (alloc.isEmpty()) return null;
        if (alloc.get() instanceof CniIpam.Allocation.NoSpaceYet(String reason, String shortage, String whatToDo)) {
            if (freshV4) releaseQuietly(inv);
            throw new CniException(
                    CniError.TRY_AGAIN_LATER,
                    "no IPv6 pod address available on this node yet: " + reason,
                    "the node is still obtaining an IPv6 address range from its peers; the runtime retries. If this "
                            + "persists, run 'weft status ipam'");
        }
        return ((CniIpam.Allocation.Assigned) alloc.get()).address();
    }

    private void releaseQuietly(CniInvocation inv) {
        try {
            ipam.release(inv.containerId(), inv.ifName());
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "could not release address after failed ADD: container={} if={} error=\"{}\"",
                    inv.containerId(),
                    inv.ifName(),
                    e.toString());
        }
    }

    /** "namespace/name" from CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME), or "-". */
    static String podName(CniInvocation inv) {
        Map<String, String> a = parseArgs(inv.args());
        String ns = a.get("K8S_POD_NAMESPACE");
        String n = a.get("K8S_POD_NAME");
        return n == null ? "-" : (ns == null ? n : ns + "/" + n);
    }

    static Map<String, String> parseArgs(String args) {
        Map<String, String> m = new java.util.HashMap<>();
        if (args == null || args.isEmpty()) return m;
        for (String kv : args.split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }
}
