package dev.weft.agent.core;

import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.util.Optional;

/**
 * The {@link IpamStore} the controller gives IPAM: {@code save} only stages the new state in memory (no I/O on the
 * controller's thread) and numbers it; the controller hands staged states to the disk executor and holds every
 * answer that depends on one until the disk says it is written ({@link Durability}).
 */
public final class StagedStore implements IpamStore {
    private final Optional<PersistedState> loaded;
    private PersistedState staged;
    private long seq;

    /** @param loaded what the real store held when the agent started (read once, before the controller runs) */
    public StagedStore(Optional<PersistedState> loaded) {
        this.loaded = loaded;
    }

    @Override
    public Optional<PersistedState> load() {
        return loaded;
    }

    @Override
    public void save(PersistedState state) {
        staged = state;
        seq++;
    }

    /** Discarding happens through {@link Effects#restartAsNewPeer()} on the runtime's side; here it only forgets. */
    @Override
    public void delete() {
        staged = null;
    }

    /** Number of the latest staged state (0 before the first save). */
    long seq() {
        return seq;
    }

    PersistedState staged() {
        return staged;
    }
}
