package dev.weft.gossip.wire;

/**
 * Why an incoming packet or frame was dropped. Each reason is a counter with a stable name
 * ({@link #counterName()}), exported as a metric label; names are only ever appended.
 */
public enum DropReason {
    /** Too short for the envelope header, or the plaintext is not a valid {@code Packet}. */
    MALFORMED("malformed"),
    /** Larger than the UDP payload cap or the TCP frame cap. */
    OVERSIZED("oversized"),
    /** Envelope magic is not ours: not a Weft gossip packet at all. */
    BAD_MAGIC("bad_magic"),
    /** Envelope version outside the supported range. */
    UNSUPPORTED_VERSION("unsupported_version"),
    /** Cluster tag of another cluster name: the two clusters must never merge. */
    FOREIGN_CLUSTER("foreign_cluster"),
    /** Encrypted with a key id that is not in our keyring (other secret, or a rotated-out key). */
    UNKNOWN_KEY("unknown_key"),
    /** Sent without a secret while we require one, or with a secret while we have none. */
    SECURITY_MISMATCH("security_mismatch"),
    /** AEAD tag did not verify: tampered, corrupted, or forged. */
    AUTH_FAILED("auth_failed"),
    /** Nonce (sender instance + counter) already seen. */
    REPLAYED("replayed"),
    /** Sender timestamp outside the freshness window (old recording, or a badly skewed clock). */
    STALE("stale"),
    /** Authenticated and well-formed, but addressed to another member or otherwise not for us. */
    MISDIRECTED("misdirected"),
    /** Authenticated and well-formed, but of a kind the receiving path does not accept (e.g. push-pull over UDP). */
    UNEXPECTED("unexpected"),
    /** A registered channel threw when handed remote state or a delta (an obviously bad input). */
    CHANNEL_MERGE_FAILED("channel_merge_failed"),
    /** Authenticated, but a member id in it (sender, subject, origin...) is not a peer id (16 hex digits). */
    BAD_PEER_ID("bad_peer_id"),
    /**
     * Authenticated, but a membership update moves a member's incarnation further above what we know of it than
     * {@code MembershipRules.MAX_INCARNATION_STEP} allows (or past the first-sight ceiling for a member we do not
     * know): a compromised or broken member trying to make its victim unable to refute.
     */
    INCARNATION_JUMP("incarnation_jump"),
    /** A stream connection refused at accept: the node already has {@code maxInboundStreams} open. */
    STREAM_LIMIT("stream_limit"),
    /** A stream connection refused at accept: its source address already has its share of open streams. */
    STREAM_SOURCE_LIMIT("stream_source_limit"),
    /** A stream closed because its exchange (request read, answer, reply written) outlived its deadline. */
    STREAM_DEADLINE("stream_deadline"),
    /** An ALIVE update for a member we do not hold, while we already hold the most live members we keep. */
    MEMBER_LIMIT("member_limit"),
    /** An ALIVE update without the member's identity key and signature (a node from before identity keys). */
    UNSIGNED_RECORD("unsigned_record"),
    /**
     * A signed update whose key does not speak for the member it names: the key does not hash to the id and is
     * not the one pinned for it (a compromised member announcing another member's record).
     */
    ID_KEY_MISMATCH("id_key_mismatch"),
    /** A signed update whose signature does not verify under the key it carries. */
    BAD_SIGNATURE("bad_signature"),
    /** A channel delta without its origin's signature (a node from before identity keys). */
    UNSIGNED_DELTA("unsigned_delta"),
    /**
     * A signed channel delta whose origin's identity key we do not know yet (its signed ALIVE has not reached us):
     * dropped; full state and digest repair bring the change.
     */
    DELTA_ORIGIN_UNKNOWN("delta_origin_unknown"),
    /**
     * A signed update for a legacy id (its key does not hash to it) while legacy ids are refused
     * ({@code --require-self-certifying-ids}): nothing is pinned.
     */
    LEGACY_ID_REFUSED("legacy_id_refused"),
    /** A channel's full state without its sender's signature (a node from before signed full states). */
    UNSIGNED_STATE("unsigned_state"),
    /** A direct message (e.g. an IPAM space grant) without its sender's signature. */
    UNSIGNED_MESSAGE("unsigned_message"),
    /**
     * A signed full state or direct message whose sender's identity key we do not know yet (its signed ALIVE has not
     * reached us): dropped; the next exchange brings it again.
     */
    SENDER_KEY_UNKNOWN("sender_key_unknown");

    private final String counterName;

    DropReason(String counterName) {
        this.counterName = counterName;
    }

    /** Stable metric name suffix, e.g. {@code auth_failed}. */
    public String counterName() {
        return counterName;
    }
}
