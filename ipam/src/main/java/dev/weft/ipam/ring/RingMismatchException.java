package dev.weft.ipam.ring;

/**
 * Two rings of different clusters, seeds/creators, ranges or block sizes met. They are never
 * merged; both identities are named.
 */
public final class RingMismatchException extends RingException {
    private final String local;
    private final String remote;

    public RingMismatchException(String local, String remote) {
        super("refusing to merge rings of different origin: local ring "
                + local
                + ", remote ring "
                + remote
                + " (check that every node has the same cluster range, block size and seed list)");
        this.local = local;
        this.remote = remote;
    }

    public String local() {
        return local;
    }

    public String remote() {
        return remote;
    }
}
