package dev.weft.k8s.lock;

import dev.weft.k8s.K8sApiException;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.WeftKeys;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per cluster, which agent creates the IPAM ring: the first one to create the well-known
 * ConfigMap ({@link K8sConfig#bootstrapName()} in {@link K8sConfig#namespace()}). Creation is atomic in the
 * API server (a second create answers 409 Conflict), so exactly one agent is told {@link BootstrapOutcome.Role#SEED}.
 *
 * <p>The object is never deleted by Weft, so after a whole-cluster restart it is still there and every agent
 * joins. An agent with persisted ring state never seeds, even if the object was deleted: it re-creates the
 * record (origin {@code restored}) so that agents without state join its ring instead of starting another.
 *
 * <p>Usage by the agent, before it has a ring:
 * <pre>{@code
 * BootstrapOutcome o = bootstrap.claim(new BootstrapClaim(me, node, range, block, seeds,
 *         ipam.ring().map(r -> r.genesis().id())));
 * switch (o.role()) {
 *     case SEED -> ipam.bootstrapAsCreator(o.record().decisionToken());
 *     case JOIN -> ipam.expectGenesis(o.record().genesis());   // then wait for the ring over gossip
 *     case RESUME -> { }                                        // keep the persisted ring
 * }
 * }</pre>
 *
 * <p>API calls: {@code create} and {@code get} on {@code configmaps} in the Weft namespace. Blocking.
 */
public final class RingBootstrap {
    private static final Logger log = LoggerFactory.getLogger(RingBootstrap.class);
    private static final int MAX_ATTEMPTS = 5;

    static final String CREATOR_PEER = "creator-peer";
    static final String CREATOR_NODE = "creator-node";
    static final String CLUSTER_RANGE = "cluster-range";
    static final String BLOCK_SIZE = "block-size";
    static final String SEEDS = "seeds";
    static final String CREATED_AT = "created-at";
    static final String ORIGIN = "origin";
    static final String DECISION_TOKEN = "decision-token";
    static final String RING_GENESIS = "ring-genesis";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Clock clock;

    public RingBootstrap(KubernetesClient client, K8sConfig config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = config.namespace();
        this.name = config.bootstrapName();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates the record if nobody has, and says what this agent must do.
     *
     * @throws BootstrapConflictException when the recorded ring has another cluster range or block size
     * @throws K8sApiException            when the API server cannot be used (the agent should retry later)
     */
    public BootstrapOutcome claim(BootstrapClaim claim) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            String origin = claim.hasPersistedRing() ? BootstrapRecord.ORIGIN_RESTORED : BootstrapRecord.ORIGIN_SEEDED;
            Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
            BootstrapRecord mine = new BootstrapRecord(
                    claim.peerId(),
                    claim.nodeName(),
                    claim.clusterRange(),
                    claim.blockSize(),
                    claim.seeds(),
                    now,
                    origin,
                    "k8s:" + claim.peerId() + "@" + now,
                    claim.persistedRingGenesis());
            try {
                client.configMaps()
                        .inNamespace(namespace)
                        .resource(toConfigMap(mine))
                        .create();
                var role = claim.hasPersistedRing() ? BootstrapOutcome.Role.RESUME : BootstrapOutcome.Role.SEED;
                log.info(
                        "ring bootstrap record created configmap={}/{} peer={} range={} role={}",
                        namespace,
                        name,
                        claim.peerId(),
                        claim.clusterRange(),
                        role);
                return new BootstrapOutcome(role, mine);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409)
                    throw K8sApiException.of("creating ring bootstrap configmap " + namespace + "/" + name, e);
            }
            Optional<BootstrapRecord> existing = read();
            if (existing.isEmpty()) continue; // deleted between our create and get: try again
            BootstrapRecord rec = existing.get();
            checkCompatible(rec, claim);
            BootstrapOutcome.Role role;
            if (claim.hasPersistedRing()) {
                role = BootstrapOutcome.Role.RESUME;
            } else if (rec.creatorPeerId().equals(claim.peerId())) {
                // We created it before a restart but kept no ring state: nobody can hold a ring of ours that
                // we never persisted, so seeding again is the only way forward.
                role = BootstrapOutcome.Role.SEED;
            } else {
                role = BootstrapOutcome.Role.JOIN;
            }
            log.info(
                    "ring bootstrap record exists configmap={}/{} creator={} creatorNode={} createdAt={} role={}",
                    namespace,
                    name,
                    rec.creatorPeerId(),
                    rec.creatorNode(),
                    rec.createdAt(),
                    role);
            return new BootstrapOutcome(role, rec);
        }
        throw new K8sApiException(
                "ring bootstrap configmap " + namespace + "/" + name + " kept appearing and disappearing over "
                        + MAX_ATTEMPTS + " attempts; is something deleting it?",
                409,
                null);
    }

    /** The stored record, if the ring was ever bootstrapped in this cluster. */
    public Optional<BootstrapRecord> read() {
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw K8sApiException.of("reading ring bootstrap configmap " + namespace + "/" + name, e);
        }
        return cm == null ? Optional.empty() : Optional.of(fromConfigMap(cm));
    }

    private void checkCompatible(BootstrapRecord rec, BootstrapClaim claim) {
        if (!rec.clusterRange().equals(claim.clusterRange()) || rec.blockSize() != claim.blockSize()) {
            throw new BootstrapConflictException("the ring of this cluster was created by peer=" + rec.creatorPeerId()
                    + " (node=" + rec.creatorNode() + ", " + rec.createdAt() + ") with range=" + rec.clusterRange()
                    + " block size=" + rec.blockSize() + ", but this agent is configured with range="
                    + claim.clusterRange() + " block size=" + claim.blockSize()
                    + ". Set WEFT_CLUSTER_RANGE/WEFT_BLOCK_SIZE in the weft ConfigMap to the recorded values;"
                    + " to really start over with a new range, remove Weft from every node, delete configmap "
                    + namespace + "/" + name + " and every node's /var/lib/weft, then reinstall");
        }
        if (claim.persistedRingGenesis().isPresent()) {
            String mine = claim.persistedRingGenesis().get();
            String theirs;
            try {
                theirs = rec.genesis().id();
            } catch (IllegalArgumentException e) {
                theirs = null;
            }
            if (!mine.equals(theirs)) {
                throw new BootstrapConflictException("this node's persisted ring (genesis " + mine + ") is not the"
                        + " cluster's ring recorded in configmap " + namespace + "/" + name + " (genesis " + theirs
                        + ", created by peer=" + rec.creatorPeerId() + " at " + rec.createdAt() + "). Two rings"
                        + " would hand out the same addresses twice, so this agent stops. If this node's state is"
                        + " stale, delete its /var/lib/weft and restart the weft pod on it");
            }
        }
    }

    ConfigMap toConfigMap(BootstrapRecord r) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CREATOR_PEER, r.creatorPeerId());
        data.put(CREATOR_NODE, r.creatorNode());
        data.put(CLUSTER_RANGE, r.clusterRange());
        data.put(BLOCK_SIZE, Integer.toString(r.blockSize()));
        data.put(SEEDS, String.join(",", r.seeds()));
        data.put(CREATED_AT, r.createdAt().toString());
        data.put(ORIGIN, r.origin());
        data.put(DECISION_TOKEN, r.decisionToken());
        r.ringGenesis().ifPresent(g -> data.put(RING_GENESIS, g));
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(WeftKeys.MANAGED_BY, WeftKeys.MANAGED_BY_VALUE)
                .addToLabels(WeftKeys.LOCK_KIND, "ring-bootstrap")
                .endMetadata()
                .withData(data)
                .build();
    }

    private BootstrapRecord fromConfigMap(ConfigMap cm) {
        Map<String, String> d = cm.getData() == null ? Map.of() : cm.getData();
        try {
            String seeds = d.getOrDefault(SEEDS, "");
            return new BootstrapRecord(
                    require(d, CREATOR_PEER),
                    d.getOrDefault(CREATOR_NODE, ""),
                    require(d, CLUSTER_RANGE),
                    Integer.parseInt(require(d, BLOCK_SIZE)),
                    seeds.isEmpty() ? List.of() : Arrays.asList(seeds.split(",")),
                    Instant.parse(require(d, CREATED_AT)),
                    d.getOrDefault(ORIGIN, BootstrapRecord.ORIGIN_SEEDED),
                    require(d, DECISION_TOKEN),
                    Optional.ofNullable(d.get(RING_GENESIS)).filter(g -> !g.isBlank()));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new K8sApiException(
                    "ring bootstrap configmap " + namespace + "/" + name + " is malformed ("
                            + e.getMessage() + "); it is written only by Weft agents, so it was edited by hand."
                            + " Restore it (kubectl get -o yaml from a backup) or delete it only if no node has ring state",
                    0,
                    e);
        }
    }

    private static String require(Map<String, String> d, String key) {
        String v = d.get(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("missing key " + key);
        return v;
    }
}
