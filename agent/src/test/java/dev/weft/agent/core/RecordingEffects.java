package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.store.PersistedState;
import java.util.ArrayList;
import java.util.List;

/** Effects a test inspects and completes by hand: nothing happens until the test says so. */
final class RecordingEffects implements Effects {
    record Persist(long seq, PersistedState state) {}

    record Sent(PeerId to, String topic, byte[] payload) {}

    final List<Persist> persists = new ArrayList<>();
    final List<DatapathRequest> applies = new ArrayList<>();
    final List<byte[]> records = new ArrayList<>();
    final List<byte[]> ringStates = new ArrayList<>();
    final List<byte[]> deltas = new ArrayList<>();
    final List<Sent> sent = new ArrayList<>();
    int restarts;

    @Override
    public void persist(long seq, PersistedState state) {
        persists.add(new Persist(seq, state));
    }

    @Override
    public void applyDatapath(DatapathRequest request) {
        applies.add(request);
    }

    @Override
    public void publishRecord(byte[] record) {
        records.add(record);
    }

    @Override
    public void publishRingState(byte[] fullState) {
        ringStates.add(fullState);
    }

    @Override
    public void publishRingDelta(byte[] delta) {
        deltas.add(delta);
    }

    @Override
    public void send(PeerId to, String topic, byte[] payload) {
        sent.add(new Sent(to, topic, payload));
    }

    @Override
    public void forgetPathHealth(PeerId peer) {}

    @Override
    public void restartAsNewPeer() {
        restarts++;
    }

    Persist lastPersist() {
        return persists.getLast();
    }
}
