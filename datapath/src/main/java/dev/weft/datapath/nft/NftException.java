package dev.weft.datapath.nft;

/** {@code nft} failed or is missing; the message carries its output. */
public class NftException extends RuntimeException {
    public NftException(String message) {
        super(message);
    }

    public NftException(String message, Throwable cause) {
        super(message, cause);
    }
}
