package dev.weft.ipam.ring;

/** A ring (received or merged) breaks an invariant: unsorted, outside the range, unaligned, free > size... */
public final class RingInvariantException extends RingException {
    public RingInvariantException(String message) {
        super("ring invariant broken: " + message);
    }
}
