package dev.weft.ipam.store;

import java.io.IOException;
import java.util.Optional;

/**
 * A store that keeps the encoded state bytes in memory (tests and simulations; it goes through the
 * same codec as the file store, so what survives a "restart" is what the file would hold).
 */
public final class InMemoryIpamStore implements IpamStore {
    private byte[] bytes;
    private int saves;
    private IOException failNextSave;

    @Override
    public Optional<PersistedState> load() throws IOException {
        return bytes == null ? Optional.empty() : Optional.of(StateCodec.decode(bytes, "in memory"));
    }

    @Override
    public void save(PersistedState state) throws IOException {
        if (failNextSave != null) {
            IOException e = failNextSave;
            failNextSave = null;
            throw e;
        }
        bytes = StateCodec.encode(state);
        saves++;
    }

    @Override
    public void delete() {
        bytes = null;
    }

    /** Number of successful saves. */
    public int saves() {
        return saves;
    }

    /** Makes the next save fail (to test roll-back). */
    public void failNextSave(IOException e) {
        failNextSave = e;
    }

    /** The raw stored bytes (null if none). */
    public byte[] raw() {
        return bytes == null ? null : bytes.clone();
    }

    public void setRaw(byte[] raw) {
        bytes = raw == null ? null : raw.clone();
    }
}
