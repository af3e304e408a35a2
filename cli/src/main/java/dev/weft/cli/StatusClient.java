package dev.weft.cli;

import dev.weft.cni.FramedChannel;
import dev.weft.cni.Json;
import dev.weft.cni.JsonException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Asks the local agent for its report over the operator API (one length-delimited JSON frame each way on the
 * root-only Unix socket, as the agent's {@code LocalApi} serves it) with the JDK alone: {@link FramedChannel} and the
 * plugin's {@link Json}. The failure texts are the agent CLI's too ({@code AgentClient} uses them).
 */
public final class StatusClient {
    /** Exit codes of the CLI: 0 ok, 1 the agent reported a problem, 3 the agent could not be reached. */
    public static final int EXIT_OK = 0;

    public static final int EXIT_PROBLEM = 1;
    public static final int EXIT_UNREACHABLE = 3;

    /** How long a call may take, connect to last byte. */
    public static final long TIMEOUT_NANOS = 10_000_000_000L;

    private StatusClient() {}

    /** The agent could not be reached or did not answer in its protocol; the message says what to check. */
    public static final class Unreachable extends Exception {
        public Unreachable(String m) {
            super(m);
        }
    }

    /** The agent answered {@code {"ok":false,"error":...}}. */
    public static final class Refused extends Exception {
        public Refused(String m) {
            super(m);
        }
    }

    /** {@code {"cmd":"report"}}: the agent's report object (the {@code report} member of the answer). */
    public static Map<String, Object> report(Path socket) throws Unreachable, Refused {
        return report(socket, StatusTrace.OFF);
    }

    /** {@link #report(Path)}, marking connected, answered and parsed on {@code trace}. */
    public static Map<String, Object> report(Path socket, StatusTrace trace) throws Unreachable, Refused {
        if (!Files.exists(socket)) throw new Unreachable(noSocket(socket));
        Map<String, Object> r;
        try {
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            byte[] answer;
            try (FramedChannel fc = FramedChannel.connect(UnixDomainSocketAddress.of(socket), deadline)) {
                trace.mark("connected");
                fc.writeFrame("{\"cmd\":\"report\"}".getBytes(StandardCharsets.UTF_8), deadline);
                answer = fc.readFrame(FramedChannel.MAX_FRAME, deadline);
            }
            trace.mark("answered");
            r = Json.parseObject(new String(answer, StandardCharsets.UTF_8));
            trace.mark("parsed");
        } catch (JsonException e) {
            throw new Unreachable(notJson(socket, e.getMessage()));
        } catch (AccessDeniedException e) {
            throw new Unreachable(permissionDenied(socket));
        } catch (IOException e) {
            throw new Unreachable(ioFailed(socket, String.valueOf(e.getMessage())));
        }
        if (!Boolean.TRUE.equals(r.get("ok"))) throw new Refused(String.valueOf(nullToJava(r.get("error"))));
        return ReportFormat.map(withJavaNulls(r), "report");
    }

    public static String noSocket(Path socket) {
        return "the agent's socket " + socket + " does not exist: is the agent running on this node "
                + "(systemctl/kubectl get pods -n weft -o wide)? If it runs with another --run-dir, pass --socket.";
    }

    public static String notJson(Path socket, String detail) {
        return "the agent on " + socket + " answered something that is not JSON: " + detail;
    }

    public static String permissionDenied(Path socket) {
        return "permission denied on " + socket + ": the status socket is root-only, run as root (sudo)";
    }

    /** An I/O failure; "Permission denied" in the JDK's text is the root-only socket. */
    public static String ioFailed(Path socket, String message) {
        if (message.contains("Permission denied")) return permissionDenied(socket);
        return "cannot talk to the agent on " + socket + ": " + message
                + ". Is the agent running and healthy? Check its logs (kubectl logs -n weft <pod>).";
    }

    /**
     * The parsed tree with JSON null as Java {@code null}, as the agent's Jackson mapper gives it ({@link Json} marks
     * it with {@link Json#NULL} instead), so that the views print "-" for it either way. Changes the tree in place.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withJavaNulls(Map<String, Object> m) {
        for (Map.Entry<String, Object> e : m.entrySet()) e.setValue(withJavaNulls(e.getValue()));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Object withJavaNulls(Object v) {
        if (v instanceof Map<?, ?> m) return withJavaNulls((Map<String, Object>) m);
        if (v instanceof List<?> l) {
            List<Object> list = (List<Object>) l;
            for (int i = 0; i < list.size(); i++) list.set(i, withJavaNulls(list.get(i)));
            return list;
        }
        return nullToJava(v);
    }

    private static Object nullToJava(Object v) {
        return v == Json.NULL ? null : v;
    }
}
