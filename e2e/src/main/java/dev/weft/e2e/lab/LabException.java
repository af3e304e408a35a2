package dev.weft.e2e.lab;

/** A lab operation failed: the message names the command or object and what went wrong. */
public class LabException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
