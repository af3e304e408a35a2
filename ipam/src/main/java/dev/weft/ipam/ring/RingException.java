package dev.weft.ipam.ring;

/** Base of the ring's typed errors. Messages say what failed, for which peer/range, and what to do. */
public abstract sealed class RingException extends RuntimeException
        permits RingMismatchException,
                RingConflictException,
                RingInvariantException,
                RangeTakeoverRefusedException,
                RingDecodeException,
                RingOperationException,
                RingAuthorityException {
    protected RingException(String message) {
        super(message);
    }
}
