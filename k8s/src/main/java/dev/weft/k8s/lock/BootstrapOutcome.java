package dev.weft.k8s.lock;

/**
 * The answer to a {@link BootstrapClaim}.
 *
 * @param role   what this agent must do
 * @param record the bootstrap record as stored in the API server
 */
public record BootstrapOutcome(Role role, BootstrapRecord record) {

    public enum Role {
        /** This agent created the record: it creates the ring now. */
        SEED,
        /** Another agent created the ring: wait for it over gossip, never create one. */
        JOIN,
        /** This agent has persisted ring state: keep using it, never create a new ring. */
        RESUME
    }

    /** True when this agent is the one that seeds the ring. */
    public boolean weAreCreator() {
        return role == Role.SEED;
    }

    /** The peer that created the record. */
    public String creatorPeerId() {
        return record.creatorPeerId();
    }
}
