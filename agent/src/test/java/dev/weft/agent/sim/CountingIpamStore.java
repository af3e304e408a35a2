package dev.weft.agent.sim;

import dev.weft.ipam.store.InMemoryIpamStore;
import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.util.Optional;

/**
 * The in-memory IPAM store, counting saves and the bytes each would write. {@code FileIpamStore} does two fsyncs per
 * save (the temp file, then the directory after the rename), so fsyncs = 2 x saves.
 */
final class CountingIpamStore implements IpamStore {
    private final InMemoryIpamStore delegate = new InMemoryIpamStore();
    private long saves;
    private long savedBytes;

    @Override
    public Optional<PersistedState> load() throws IOException {
        return delegate.load();
    }

    @Override
    public void save(PersistedState state) throws IOException {
        delegate.save(state);
        saves++;
        savedBytes += delegate.raw().length;
    }

    @Override
    public void delete() {
        delegate.delete();
    }

    long saves() {
        return saves;
    }

    long savedBytes() {
        return savedBytes;
    }
}
