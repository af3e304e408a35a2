package dev.weft.gossip.wire;

/** A packet we were about to send does not fit the limit of the path it was meant for. */
public final class PacketTooLargeException extends RuntimeException {
    private final int size;
    private final int limit;

    public PacketTooLargeException(int size, int limit) {
        super("gossip packet of " + size + " bytes exceeds the limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    public int size() {
        return size;
    }

    public int limit() {
        return limit;
    }
}
