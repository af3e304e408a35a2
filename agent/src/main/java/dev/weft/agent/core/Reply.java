package dev.weft.agent.core;

/**
 * Where the controller sends the answer to a request (a CNI call, an operator command). Called exactly once, on the
 * controller's thread; implementations hand the answer over and return (they never block the controller).
 */
public interface Reply<T> {
    void ok(T value);

    void fail(Failure failure);

    /** Why a request was not done; each kind is answered differently to the runtime or the operator. */
    sealed interface Failure {
        String message();

        /** Not ready yet or momentarily busy: the caller should retry (CNI code 11). */
        record TryAgain(String message) implements Failure {}

        /** The state could not be written to disk: a real I/O failure (CNI code 5 / "disk"). */
        record Disk(String message) implements Failure {}

        /** The kernel refused what the request needs. */
        record Kernel(String message) implements Failure {}

        /** The request itself is wrong or not allowed now (operator commands). */
        record Refused(String message) implements Failure {}
    }
}
