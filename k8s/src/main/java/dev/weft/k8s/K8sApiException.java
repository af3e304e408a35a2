package dev.weft.k8s;

/**
 * A call to the Kubernetes API server failed. The message says what was attempted, on which object,
 * the HTTP status if there was one, and what an operator can do about it.
 */
public final class K8sApiException extends RuntimeException {
    private final int httpStatus;

    public K8sApiException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status code of the failed call, or 0 when no answer arrived (network error, timeout). */
    public int httpStatus() {
        return httpStatus;
    }

    /** Builds the exception with a hint matched to the status (403: RBAC, 404: missing object, 0: connectivity). */
    public static K8sApiException of(String what, io.fabric8.kubernetes.client.KubernetesClientException e) {
        int code = e.getCode();
        String hint = switch (code) {
            case 401 ->
                "the service account token was rejected; check that the pod runs with the 'weft' ServiceAccount";
            case 403 ->
                "forbidden; the weft ClusterRole/Role in k8s/deploy/rbac.yaml must grant this verb"
                        + " (was it modified, or is an old version applied?)";
            case 404 -> "the object does not exist";
            case 409 -> "conflict: another writer changed the object first";
            case 0 -> "no answer from the API server; check connectivity to the kubernetes Service";
            default -> "the API server answered HTTP " + code;
        };
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        return new K8sApiException(what + " failed (HTTP " + code + "): " + hint + ". Server said: " + detail, code, e);
    }
}
