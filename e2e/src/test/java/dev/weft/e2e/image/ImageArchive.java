package dev.weft.e2e.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * An image as a docker-archive ({@code docker save} format: manifest.json, the config JSON, one tar
 * per layer) read without a container engine: its tag, its config and the merged file list of its
 * layers, with the layer that last wrote each path.
 */
final class ImageArchive {

    /** One path of the merged file system. {@code sha256} for regular files; {@code content} when kept. */
    record Entry(
            String path, Tar.Type type, int mode, String link, long size, String sha256, byte[] content, int layer) {}

    private final List<String> repoTags;
    private final JsonNode config;
    private final int layerCount;
    private final Map<String, Entry> files;

    private ImageArchive(List<String> repoTags, JsonNode config, int layerCount, Map<String, Entry> files) {
        this.repoTags = repoTags;
        this.config = config;
        this.layerCount = layerCount;
        this.files = files;
    }

    /** Reads the archive; the contents of regular files whose path {@code keep} accepts are kept. */
    static ImageArchive read(Path archive, Predicate<String> keep) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, byte[]> small = new HashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            Tar.read(in, (h, data) -> {
                if (h.type() == Tar.Type.FILE && h.path().endsWith(".json")) {
                    small.put(h.path(), data.readAllBytes());
                }
            });
        }
        byte[] manifestBytes = small.get("/manifest.json");
        if (manifestBytes == null) {
            throw new IOException(archive + " is not a docker-archive: no manifest.json");
        }
        JsonNode manifest = json.readTree(manifestBytes).get(0);
        JsonNode config =
                json.readTree(small.get(Tar.normalise(manifest.get("Config").asText())));
        List<String> tags = new ArrayList<>();
        manifest.path("RepoTags").forEach(t -> tags.add(t.asText()));
        List<String> layerNames = new ArrayList<>();
        manifest.get("Layers").forEach(l -> layerNames.add(Tar.normalise(l.asText())));

        Map<String, List<Entry>> perLayer = new HashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            Tar.read(in, (h, data) -> {
                int index = layerNames.indexOf(h.path());
                if (index >= 0) {
                    List<Entry> entries = new ArrayList<>();
                    Tar.read(
                            new BufferedInputStream(data, 1 << 16),
                            (m, body) -> entries.add(entry(m, body, keep, index)));
                    perLayer.put(h.path(), entries);
                }
            });
        }
        Map<String, Entry> merged = new TreeMap<>();
        for (String name : layerNames) {
            List<Entry> entries = perLayer.get(name);
            if (entries == null) {
                throw new IOException(archive + " lacks layer " + name);
            }
            for (Entry e : entries) {
                String base = e.path().substring(e.path().lastIndexOf('/') + 1);
                if (base.startsWith(".wh.")) { // whiteout: the path below disappears
                    String parent = e.path().substring(0, e.path().lastIndexOf('/'));
                    String gone = base.equals(".wh..wh..opq") ? parent + "/" : parent + "/" + base.substring(4);
                    merged.keySet()
                            .removeIf(p -> p.equals(gone) || p.startsWith(gone.endsWith("/") ? gone : gone + "/"));
                    continue;
                }
                merged.put(e.path(), e);
            }
        }
        return new ImageArchive(List.copyOf(tags), config, layerNames.size(), merged);
    }

    private static Entry entry(Tar.Header h, InputStream body, Predicate<String> keep, int layer) throws IOException {
        String sha = null;
        byte[] content = null;
        if (h.type() == Tar.Type.FILE) {
            MessageDigest md = sha256();
            boolean kept = keep.test(h.path());
            var buffer = kept ? new java.io.ByteArrayOutputStream() : null;
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = body.read(b)) > 0) {
                md.update(b, 0, n);
                if (buffer != null) {
                    buffer.write(b, 0, n);
                }
            }
            sha = HexFormat.of().formatHex(md.digest());
            content = buffer == null ? null : buffer.toByteArray();
        }
        return new Entry(h.path(), h.type(), h.mode(), h.link(), h.size(), sha, content, layer);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> repoTags() {
        return repoTags;
    }

    /** The image config's {@code config} object (Entrypoint, Cmd, Env, User, WorkingDir, Labels, ...). */
    JsonNode runConfig() {
        return config.path("config");
    }

    int layerCount() {
        return layerCount;
    }

    /** Path to entry, sorted by path. */
    Map<String, Entry> files() {
        return files;
    }

    Entry get(String path) {
        return files.get(path);
    }

    /** The entry at {@code path} after following symlinks (at most 10). */
    Entry resolve(String path) {
        Entry e = files.get(path);
        for (int i = 0; i < 10 && e != null && e.type() == Tar.Type.SYMLINK; i++) {
            String target = e.link().startsWith("/")
                    ? e.link()
                    : Path.of(e.path())
                            .getParent()
                            .resolve(e.link())
                            .normalize()
                            .toString();
            e = files.get(target);
        }
        return e;
    }
}
