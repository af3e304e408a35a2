package dev.weft.agent.cni;

import java.util.Optional;

/** Whether the agent can serve ADD now; when not, why (shown to the operator in the CNI error). */
@FunctionalInterface
public interface CniReadiness {
    /** Empty when ready; otherwise a human-readable reason such as "joining the cluster". */
    Optional<String> notReadyReason();

    static CniReadiness alwaysReady() {
        return Optional::empty;
    }
}
