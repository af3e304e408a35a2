package dev.weft.agent.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.agent.api.LocalApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Calls the local agent for CLI commands and turns failures into messages that say what to check. */
final class AgentClient {
    /** Exit codes of the CLI: 0 ok, 1 the agent reported a problem, 3 the agent could not be reached. */
    static final int EXIT_OK = 0;

    static final int EXIT_PROBLEM = 1;
    static final int EXIT_UNREACHABLE = 3;

    static final class Unreachable extends Exception {
        Unreachable(String m) {
            super(m);
        }
    }

    static final class Refused extends Exception {
        Refused(String m) {
            super(m);
        }
    }

    private AgentClient() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> call(Path socket, Map<String, Object> request) throws Unreachable, Refused {
        if (!Files.exists(socket)) {
            throw new Unreachable(
                    "the agent's socket " + socket + " does not exist: is the agent running on this node "
                            + "(systemctl/kubectl get pods -n weft -o wide)? If it runs with another --run-dir, pass --socket.");
        }
        Map<String, Object> r;
        try {
            r = LocalApi.call(socket, request, TimeUnit.SECONDS.toNanos(10));
        } catch (JsonProcessingException e) {
            throw new Unreachable(
                    "the agent on " + socket + " answered something that is not JSON: " + e.getOriginalMessage());
        } catch (java.nio.file.AccessDeniedException e) {
            throw new Unreachable(
                    "permission denied on " + socket + ": the status socket is root-only, run as root (sudo)");
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Permission denied")) {
                throw new Unreachable(
                        "permission denied on " + socket + ": the status socket is root-only, run as root (sudo)");
            }
            throw new Unreachable("cannot talk to the agent on " + socket + ": " + m
                    + ". Is the agent running and healthy? Check its logs (kubectl logs -n weft <pod>).");
        }
        if (!Boolean.TRUE.equals(r.get("ok"))) throw new Refused(String.valueOf(r.get("error")));
        return r;
    }
}
