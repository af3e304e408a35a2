package dev.weft.ipam.ring;

/** Bytes that are not a valid encoded ring or space message (malformed, too big, unknown version). */
public final class RingDecodeException extends RingException {
    public RingDecodeException(String message) {
        super(message);
    }
}
