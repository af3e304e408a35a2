package dev.weft.ipam.ring;

/** A local ring operation that is not allowed (not the owner, peer already removed, bad piece...). */
public final class RingOperationException extends RingException {
    public RingOperationException(String message) {
        super(message);
    }
}
