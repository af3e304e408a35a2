package dev.weft.k8s.lock;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One reclaim lock as stored in the API server (a Lease named {@code weft-reclaim-<dead peer>}).
 *
 * @param deadPeerId   the peer whose ranges are (being) reclaimed
 * @param holderPeerId the live peer that holds the claim
 * @param state        {@link State#CLAIMED} while the holder works, {@link State#DONE} afterwards
 * @param acquiredAt   when the current holder acquired the claim
 * @param claimTimeout how long a {@link State#CLAIMED} lock blocks others after {@code acquiredAt}
 * @param transitions  how many times the claim was taken over from a holder that did not finish
 * @param ranges       the ranges the holder reported as taken over (empty until {@link State#DONE})
 * @param reclaimedAt  when the holder reported completion
 */
public record ReclaimRecord(
        String deadPeerId,
        String holderPeerId,
        State state,
        Instant acquiredAt,
        Duration claimTimeout,
        int transitions,
        List<String> ranges,
        Optional<Instant> reclaimedAt) {

    public enum State {
        CLAIMED,
        DONE
    }

    public ReclaimRecord {
        ranges = List.copyOf(ranges);
    }

    /**
     * By the holder's own timestamps, a {@link State#CLAIMED} lock that should have been finished by now. For
     * display: {@link ReclaimLock} decides take-overs by its own observation, not by another node's clock.
     */
    public boolean expired(Instant now) {
        return state == State.CLAIMED && now.isAfter(acquiredAt.plus(claimTimeout));
    }
}
