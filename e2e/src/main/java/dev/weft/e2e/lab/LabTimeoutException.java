package dev.weft.e2e.lab;

/** A condition awaited in the lab did not become true before its deadline. */
public class LabTimeoutException extends LabException {
    private static final long serialVersionUID = 1L;

    public LabTimeoutException(String message) {
        super(message);
    }
}
