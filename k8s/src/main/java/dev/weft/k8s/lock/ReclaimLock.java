package dev.weft.k8s.lock;

import dev.weft.k8s.K8sApiException;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.WeftKeys;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure exactly one live agent reclaims the ranges of a peer that is gone for good (its Node was
 * deleted and gossip says it is dead).
 *
 * <p>One {@code coordination.k8s.io/v1} Lease per dead peer, named {@code weft-reclaim-<dead peer id>} in the
 * Weft namespace. Whoever creates it holds the claim (create is atomic: a second create answers 409). A claim
 * whose holder neither completed nor released it can be taken over once this agent has seen the very same
 * Lease version unchanged for {@link K8sConfig#reclaimClaimTimeout()} by its own clock (as client-go's leader
 * election does, so clock skew between nodes does not matter; it also means a contender must call
 * {@link #tryAcquireReclaim} again later, which the agent does while the peer stays a candidate). The
 * take-over is an update carrying the resourceVersion that was read, so if several agents try at once the
 * API server accepts exactly one (the others get 409). A completed lock records who took what and
 * stays for {@link K8sConfig#reclaimRetention()}, so an agent that learns of the deletion late does not reclaim
 * again; {@link #cleanup()} removes older ones.
 *
 * <p>Usage by the agent, on "Node deleted" and "peer dead in gossip":
 * <pre>{@code
 * if (lock.tryAcquireReclaim(dead, me)) {
 *     List<String> taken = ring.reclaim(dead);   // ipam, with a version jump
 *     lock.markReclaimed(dead, me, taken);
 * }
 * }</pre>
 *
 * <p>API calls: {@code create}, {@code get}, {@code list}, {@code update}, {@code delete} on
 * {@code leases} in the Weft namespace. Blocking; thread-safe.
 */
public final class ReclaimLock {
    private static final Logger log = LoggerFactory.getLogger(ReclaimLock.class);
    static final String NAME_PREFIX = "weft-reclaim-";
    static final String LOCK_KIND_VALUE = "reclaim";
    private static final int MAX_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String namespace;
    private final Duration claimTimeout;
    private final Duration retention;
    private final Clock clock;

    /** Per lease: the version of a foreign unfinished claim and when this agent first saw it. */
    private final Map<String, Observed> observed = new java.util.concurrent.ConcurrentHashMap<>();

    private record Observed(String resourceVersion, Instant firstSeen) {}

    private final AtomicLong acquired = new AtomicLong();
    private final AtomicLong takeovers = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong cleaned = new AtomicLong();

    public ReclaimLock(KubernetesClient client, K8sConfig config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = config.namespace();
        this.claimTimeout = config.reclaimClaimTimeout();
        this.retention = config.reclaimRetention();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The Lease name guarding {@code deadPeerId}. */
    public static String leaseName(String deadPeerId) {
        return NAME_PREFIX + WeftKeys.requirePeerId("dead peer id", deadPeerId);
    }

    /**
     * Tries to become the one peer that reclaims {@code deadPeerId}'s ranges.
     *
     * @return true when this caller must reclaim now (it created the lock, took over an expired claim, or
     *         already holds an unfinished claim, e.g. after its own restart); false when another peer holds
     *         the claim or the reclaim has already been done
     * @throws K8sApiException when the API server cannot be used; nothing was acquired then, retry later
     */
    public boolean tryAcquireReclaim(String deadPeerId, String myPeerId) {
        String name = leaseName(deadPeerId);
        WeftKeys.requirePeerId("own peer id", myPeerId);
        if (deadPeerId.equals(myPeerId)) {
            throw new IllegalArgumentException("peer=" + myPeerId + " cannot reclaim its own ranges");
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Instant now = now();
            try {
                leases().resource(newLease(name, deadPeerId, myPeerId, now)).create();
                acquired.incrementAndGet();
                log.info("reclaim lock acquired lease={} dead-peer={} peer={}", name, deadPeerId, myPeerId);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw K8sApiException.of("creating reclaim lease " + namespace + "/" + name, e);
            }
            Lease cur = get(name);
            if (cur == null) continue; // cleaned up between create and get: try again
            ReclaimRecord rec = toRecord(cur);
            if (rec.state() == ReclaimRecord.State.DONE) {
                observed.remove(name);
                lost.incrementAndGet();
                log.debug("reclaim of dead-peer={} already done by peer={}", deadPeerId, rec.holderPeerId());
                return false;
            }
            if (rec.holderPeerId().equals(myPeerId)) {
                log.info("reclaim lock still held lease={} dead-peer={} peer={}", name, deadPeerId, myPeerId);
                return true;
            }
            String rv = cur.getMetadata().getResourceVersion();
            Observed seen = observed.get(name);
            if (seen == null || !seen.resourceVersion().equals(rv)) {
                observed.put(name, new Observed(rv, now));
                lost.incrementAndGet();
                log.debug("reclaim of dead-peer={} claimed by peer={}", deadPeerId, rec.holderPeerId());
                return false;
            }
            if (!now.isAfter(seen.firstSeen().plus(claimTimeout))) {
                lost.incrementAndGet();
                return false;
            }
            // Unchanged for the whole timeout: take it over with a compare-and-swap on the resourceVersion we read.
            cur.getSpec().setHolderIdentity(myPeerId);
            cur.getSpec().setAcquireTime(zoned(now));
            cur.getSpec().setRenewTime(zoned(now));
            cur.getSpec().setLeaseTransitions(rec.transitions() + 1);
            try {
                leases().resource(cur).update();
                observed.remove(name);
                acquired.incrementAndGet();
                takeovers.incrementAndGet();
                log.warn(
                        "reclaim lock taken over lease={} dead-peer={} peer={} from holder={} (acquired {}), whose"
                                + " claim stayed unchanged for {}; the previous holder never completed (crashed?)",
                        name,
                        deadPeerId,
                        myPeerId,
                        rec.holderPeerId(),
                        rec.acquiredAt(),
                        claimTimeout);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    lost.incrementAndGet();
                    return false; // another contender's take-over won
                }
                if (e.getCode() == 404) continue;
                throw K8sApiException.of("taking over reclaim lease " + namespace + "/" + name, e);
            }
        }
        throw new K8sApiException(
                "reclaim lease " + namespace + "/" + name + " kept appearing and disappearing over " + MAX_ATTEMPTS
                        + " attempts; is something deleting it?",
                409,
                null);
    }

    /**
     * Records that {@code myPeerId} took over {@code ranges} of {@code deadPeerId}. After this, every
     * {@link #tryAcquireReclaim} for that dead peer returns false until the record is cleaned up.
     *
     * @throws ReclaimLostException when the claim is no longer ours
     */
    public void markReclaimed(String deadPeerId, String myPeerId, List<String> ranges) {
        String name = leaseName(deadPeerId);
        for (String r : ranges) {
            if (r.contains(",")) throw new IllegalArgumentException("range '" + r + "' contains a comma");
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Lease cur = get(name);
            if (cur == null) {
                throw new ReclaimLostException("reclaim lease " + namespace + "/" + name + " of dead-peer=" + deadPeerId
                        + " vanished before peer=" + myPeerId + " could mark it done");
            }
            ReclaimRecord rec = toRecord(cur);
            if (!rec.holderPeerId().equals(myPeerId)) {
                throw new ReclaimLostException("reclaim of dead-peer=" + deadPeerId + " is now held by peer="
                        + rec.holderPeerId() + ", not peer=" + myPeerId + " (our unfinished claim was taken over after "
                        + claimTimeout + "); both may have taken its ranges");
            }
            Instant now = now();
            Map<String, String> ann = new HashMap<>(cur.getMetadata().getAnnotations());
            ann.put(WeftKeys.RECLAIM_STATE, "done");
            ann.put(WeftKeys.RECLAIMED_RANGES, String.join(",", ranges));
            ann.put(WeftKeys.RECLAIMED_AT, now.toString());
            cur.getMetadata().setAnnotations(ann);
            cur.getSpec().setRenewTime(zoned(now));
            try {
                leases().resource(cur).update();
                completed.incrementAndGet();
                log.info("reclaim done dead-peer={} peer={} ranges={}", deadPeerId, myPeerId, ranges);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw K8sApiException.of("marking reclaim lease " + namespace + "/" + name + " done", e);
                }
            }
        }
        throw new K8sApiException(
                "reclaim lease " + namespace + "/" + name + " changed under us " + MAX_ATTEMPTS
                        + " times while marking it done",
                409,
                null);
    }

    /**
     * Gives a claim back without reclaiming (e.g. the peer turned out to be alive). Deletes the lease only if
     * it is still our unfinished claim, with the resourceVersion we read as precondition.
     *
     * @return true when the lease was deleted
     */
    public boolean release(String deadPeerId, String myPeerId) {
        String name = leaseName(deadPeerId);
        Lease cur = get(name);
        if (cur == null) return false;
        ReclaimRecord rec = toRecord(cur);
        if (!rec.holderPeerId().equals(myPeerId) || rec.state() != ReclaimRecord.State.CLAIMED) return false;
        try {
            boolean gone = !leases().withName(name)
                    .lockResourceVersion(cur.getMetadata().getResourceVersion())
                    .delete()
                    .isEmpty();
            if (gone) {
                released.incrementAndGet();
                log.info("reclaim lock released lease={} dead-peer={} peer={}", name, deadPeerId, myPeerId);
            }
            return gone;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) return false;
            throw K8sApiException.of("releasing reclaim lease " + namespace + "/" + name, e);
        }
    }

    /** The lock for {@code deadPeerId}, if any. */
    public Optional<ReclaimRecord> read(String deadPeerId) {
        Lease l = get(leaseName(deadPeerId));
        return l == null ? Optional.empty() : Optional.of(toRecord(l));
    }

    /** Every reclaim lock in the namespace (who reclaimed what), sorted by dead peer id. */
    public List<ReclaimRecord> list() {
        List<ReclaimRecord> out = new ArrayList<>();
        for (Lease l : listLeases()) {
            try {
                out.add(toRecord(l));
            } catch (K8sApiException e) {
                log.warn(
                        "ignoring malformed reclaim lease={}: {}",
                        l.getMetadata().getName(),
                        e.getMessage());
            }
        }
        out.sort((a, b) -> a.deadPeerId().compareTo(b.deadPeerId()));
        return out;
    }

    /**
     * Deletes completed records older than {@link K8sConfig#reclaimRetention()}. Safe to run on every agent
     * (each delete carries the resourceVersion read as precondition; losing a race is fine).
     *
     * @return how many records this call deleted
     */
    public int cleanup() {
        Instant cutoff = now().minus(retention);
        int n = 0;
        for (Lease l : listLeases()) {
            ReclaimRecord rec;
            try {
                rec = toRecord(l);
            } catch (K8sApiException e) {
                continue;
            }
            if (rec.state() != ReclaimRecord.State.DONE
                    || rec.reclaimedAt().orElse(Instant.MAX).isAfter(cutoff)) continue;
            try {
                if (!leases().withName(l.getMetadata().getName())
                        .lockResourceVersion(l.getMetadata().getResourceVersion())
                        .delete()
                        .isEmpty()) {
                    n++;
                    cleaned.incrementAndGet();
                    log.info(
                            "reclaim record cleaned up dead-peer={} reclaimed-by={} at={}",
                            rec.deadPeerId(),
                            rec.holderPeerId(),
                            rec.reclaimedAt().orElseThrow());
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw K8sApiException.of(
                            "deleting reclaim lease " + namespace + "/"
                                    + l.getMetadata().getName(),
                            e);
                }
            }
        }
        return n;
    }

    public ReclaimStatus status() {
        return new ReclaimStatus(
                acquired.get(), takeovers.get(), lost.get(), completed.get(), released.get(), cleaned.get());
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
                    Lease, io.fabric8.kubernetes.api.model.coordination.v1.LeaseList, Resource<Lease>>
            leases() {
        return client.leases().inNamespace(namespace);
    }

    private List<Lease> listLeases() {
        try {
            return leases().withLabel(WeftKeys.LOCK_KIND, LOCK_KIND_VALUE)
                    .list()
                    .getItems();
        } catch (KubernetesClientException e) {
            throw K8sApiException.of("listing reclaim leases in namespace " + namespace, e);
        }
    }

    private Lease get(String name) {
        try {
            return leases().withName(name).get();
        } catch (KubernetesClientException e) {
            throw K8sApiException.of("reading reclaim lease " + namespace + "/" + name, e);
        }
    }

    private Lease newLease(String name, String deadPeerId, String myPeerId, Instant now) {
        return new LeaseBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(WeftKeys.MANAGED_BY, WeftKeys.MANAGED_BY_VALUE)
                .addToLabels(WeftKeys.LOCK_KIND, LOCK_KIND_VALUE)
                .addToAnnotations(WeftKeys.DEAD_PEER, deadPeerId)
                .addToAnnotations(WeftKeys.RECLAIM_STATE, "claimed")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(myPeerId)
                .withAcquireTime(zoned(now))
                .withRenewTime(zoned(now))
                .withLeaseDurationSeconds((int) claimTimeout.toSeconds())
                .withLeaseTransitions(0)
                .endSpec()
                .build();
    }

    private ReclaimRecord toRecord(Lease l) {
        String name = l.getMetadata().getName();
        Map<String, String> ann = l.getMetadata().getAnnotations() == null
                ? Map.of()
                : l.getMetadata().getAnnotations();
        var spec = l.getSpec();
        try {
            String dead = ann.get(WeftKeys.DEAD_PEER);
            String holder = spec == null ? null : spec.getHolderIdentity();
            if (dead == null || holder == null || spec.getAcquireTime() == null) {
                throw new IllegalArgumentException("missing dead peer, holder or acquire time");
            }
            ReclaimRecord.State state = "done".equals(ann.get(WeftKeys.RECLAIM_STATE))
                    ? ReclaimRecord.State.DONE
                    : ReclaimRecord.State.CLAIMED;
            String ranges = ann.getOrDefault(WeftKeys.RECLAIMED_RANGES, "");
            Optional<Instant> at =
                    Optional.ofNullable(ann.get(WeftKeys.RECLAIMED_AT)).map(Instant::parse);
            Integer dur = spec.getLeaseDurationSeconds();
            return new ReclaimRecord(
                    dead,
                    holder,
                    state,
                    spec.getAcquireTime().toInstant(),
                    dur == null ? claimTimeout : Duration.ofSeconds(dur),
                    spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions(),
                    ranges.isEmpty() ? List.of() : Arrays.asList(ranges.split(",")),
                    at);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new K8sApiException(
                    "reclaim lease " + namespace + "/" + name + " is malformed (" + e.getMessage()
                            + "); it is written only by Weft agents. Delete it if its dead peer's ranges are reclaimed",
                    0,
                    e);
        }
    }

    private Instant now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
    }

    private static ZonedDateTime zoned(Instant i) {
        return ZonedDateTime.ofInstant(i, ZoneOffset.UTC);
    }
}
