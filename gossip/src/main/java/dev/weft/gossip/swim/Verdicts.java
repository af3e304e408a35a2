package dev.weft.gossip.swim;

import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;

/** What every signed thing (ALIVE update, delta, full state, direct message) is dropped for, by its key check. */
final class Verdicts {
    private Verdicts() {}

    /**
     * Null if the check passed, else the drop reason; {@code unsigned} is the reason a missing signature is counted
     * under (it names the kind of thing that came unsigned).
     */
    static DropReason dropReason(PeerKeys.Verdict verdict, DropReason unsigned) {
        return switch (verdict) {
            case SELF_CERTIFIED, PINNED, FIRST_SIGHT -> null;
            case UNSIGNED -> unsigned;
            case ID_KEY_MISMATCH -> DropReason.ID_KEY_MISMATCH;
            case BAD_SIGNATURE -> DropReason.BAD_SIGNATURE;
            case LEGACY_ID_REFUSED -> DropReason.LEGACY_ID_REFUSED;
        };
    }
}
