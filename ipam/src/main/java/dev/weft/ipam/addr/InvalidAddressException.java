package dev.weft.ipam.addr;

/**
 * Thrown when text or bytes cannot be read as an IP address, CIDR or range. The message and
 * {@link #input()} name the offending input so an operator can find it in their configuration.
 */
public final class InvalidAddressException extends IllegalArgumentException {
    private final String input;

    public InvalidAddressException(String input, String reason) {
        super("invalid address '" + input + "': " + reason);
        this.input = input;
    }

    /** The rejected input, as given (bytes are rendered in hex). */
    public String input() {
        return input;
    }
}
