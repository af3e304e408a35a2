package dev.weft.cni;

/** Carries a {@link CniError} up to whoever prints it. */
public final class CniException extends Exception {
    private final CniError error;

    public CniException(int code, String msg) {
        this(new CniError(code, msg, null));
    }

    public CniException(int code, String msg, String details) {
        this(new CniError(code, msg, details));
    }

    public CniException(CniError error) {
        super(error.toString());
        this.error = error;
    }

    public CniError error() {
        return error;
    }
}
