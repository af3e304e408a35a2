package dev.weft.ipam.store;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a node's IPAM state lives between agent runs. {@link #save} returns only once the state is
 * durable (the allocator answers a pod only after that). Implementations are used from the agent's
 * one event loop; they need not be thread-safe.
 */
public interface IpamStore {
    /**
     * The last saved state, or empty if none was ever saved.
     *
     * @throws IpamStoreCorruptException if something is stored but cannot be read; the agent must
     *     stop rather than start from nothing (that would hand out addresses already in use)
     */
    Optional<PersistedState> load() throws IOException;

    /** Replaces the stored state atomically and durably. */
    void save(PersistedState state) throws IOException;

    /** Removes the stored state (a peer that was removed from the cluster starts over). */
    void delete() throws IOException;
}
