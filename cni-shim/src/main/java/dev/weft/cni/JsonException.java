package dev.weft.cni;

/** Input that is not valid JSON; the message names what and where (character offset). */
public final class JsonException extends Exception {
    private final int offset;

    public JsonException(String message, int offset) {
        super(message);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
