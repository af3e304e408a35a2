package dev.weft.k8s.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Loads k8s/deploy through kustomization.yaml into fabric8 model objects. */
final class Manifests {
    static final io.fabric8.kubernetes.client.utils.KubernetesSerialization SERIALIZATION =
            new io.fabric8.kubernetes.client.utils.KubernetesSerialization();

    private Manifests() {}

    static Path deployDir() {
        Path p = Path.of("deploy");
        if (!Files.isDirectory(p)) p = Path.of("k8s", "deploy");
        return p;
    }

    /** The files kustomization.yaml lists, in order. */
    @SuppressWarnings("unchecked")
    static List<String> kustomizationResources() throws IOException {
        Map<String, Object> k =
                Serialization.unmarshal(Files.readString(deployDir().resolve("kustomization.yaml")), Map.class);
        return (List<String>) k.get("resources");
    }

    /** Every object of one file (documents separated by ---). */
    static List<HasMetadata> load(String file) throws IOException {
        String text = Files.readString(deployDir().resolve(file));
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : text.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) continue;
            Object o = SERIALIZATION.unmarshal(doc);
            if (!(o instanceof HasMetadata h)) throw new AssertionError(file + ": not a Kubernetes object: " + o);
            out.add(h);
        }
        return out;
    }

    static List<HasMetadata> all() throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        for (String f : kustomizationResources()) out.addAll(load(f));
        return out;
    }

    /**
     * Paths of every unknown field (fabric8 keeps them in additionalProperties): a misspelled key such
     * as {@code hostNetwrok} would otherwise be silently ignored by the API server's lenient decoding.
     */
    static List<String> unknownFields(Object root) {
        List<String> out = new ArrayList<>();
        walk(root, "", out, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void walk(Object o, String path, List<String> out, Set<Object> seen) {
        if (o == null || !seen.add(o)) return;
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) walk(l.get(i), path + "[" + i + "]", out, seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) walk(e.getValue(), path + "." + e.getKey(), out, seen);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object v = g.invoke(o);
                if (g.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                        m.keySet().forEach(k -> out.add(path + "." + k));
                    }
                } else {
                    walk(v, path + "." + g.getName().substring(3), out, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot read " + path + "." + g.getName(), e);
            }
        }
    }
}
