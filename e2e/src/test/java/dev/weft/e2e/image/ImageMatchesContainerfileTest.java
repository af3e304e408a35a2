package dev.weft.e2e.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.e2e.image.Containerfile.Instruction;
import dev.weft.e2e.image.Containerfile.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The image that {@code k8s/image/build-oci.sh} builds without a container engine has the layout and
 * entry points that {@code k8s/image/Containerfile} declares, so the two cannot drift apart.
 *
 * <p>It runs the script (warm cache: ~15 s; the first run on a machine builds the Debian base with
 * mmdebstrap from the mirror, a few minutes; needs root, as bin/test runs) and compares the resulting
 * docker-archive with the Containerfile's final stage, parsed here independently of the script:
 * ENTRYPOINT, CMD, ENV, USER, WORKDIR, LABEL, EXPOSE against the image config; every COPY destination
 * against the file list (context files and build-stage jars byte for byte, jlink stages by the
 * runtime's module list); every RUN step ({@code apt-get install}, {@code chmod}, {@code ln -s},
 * {@code rm -rf}) against the file system and the dpkg database; and the other way round, that the
 * image adds nothing the Containerfile does not. An instruction or RUN command it does not know fails
 * the test, so a new step in the Containerfile must be added to the script (and here) too.
 */
@Tag("image")
class ImageMatchesContainerfileTest {

    private static final String DEBIAN_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static Path root;
    private static Containerfile containerfile;
    private static ImageArchive weft;
    private static ImageArchive testpod;

    @BeforeAll
    static void build() throws Exception {
        root = repoRoot();
        containerfile = Containerfile.parse(root.resolve("k8s/image/Containerfile"));
        Path out = root.resolve("e2e/target/images");
        Path log = root.resolve("e2e/target/build-oci.log");
        Files.createDirectories(out);
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", root.resolve("k8s/image/build-oci.sh").toString(), "--out", out.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(Duration.ofMinutes(30).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("k8s/image/build-oci.sh did not finish in 30 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            fail("k8s/image/build-oci.sh failed (exit " + p.exitValue() + "), last lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())));
        }
        weft = ImageArchive.read(
                out.resolve("weft-image.tar"),
                path -> path.endsWith("/release")
                        || path.equals("/var/lib/dpkg/status")
                        || path.endsWith("/os-release"));
        testpod = ImageArchive.read(out.resolve("weft-testpod.tar"), path -> false);
    }

    /** What the final stage declares for the image config, evaluated in order as a builder would. */
    private record Declared(
            Map<String, String> env,
            List<String> entrypoint,
            List<String> cmd,
            String user,
            String workdir,
            Map<String, String> labels,
            Set<String> exposed,
            List<Instruction> copies,
            List<Instruction> runs,
            List<String> copyWorkdirs) {}

    private static Declared declared() {
        Stage fin = containerfile.finalStage();
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        Set<String> exposed = new TreeSet<>();
        List<String> entrypoint = null;
        List<String> cmd = fin.base().matches("(.*/)?debian:[a-z]+(-slim)?") ? List.of("bash") : null; // the base's CMD
        String user = "";
        String workdir = "";
        List<Instruction> copies = new ArrayList<>();
        List<String> copyWorkdirs = new ArrayList<>();
        List<Instruction> runs = new ArrayList<>();
        for (Instruction i : fin.instructions()) {
            switch (i.keyword()) {
                case "ENV" -> env.putAll(Containerfile.envPairs(i.args(), env));
                case "LABEL" -> labels.putAll(Containerfile.envPairs(i.args(), env));
                case "ENTRYPOINT" -> {
                    entrypoint = execForm(i.args());
                    cmd = null; // a builder drops the base image's CMD once ENTRYPOINT is set
                }
                case "CMD" -> cmd = execForm(i.args());
                case "USER" -> user = Containerfile.substitute(i.args().trim(), env);
                case "WORKDIR" -> {
                    String w = Containerfile.substitute(i.args().trim(), env);
                    workdir = w.startsWith("/")
                            ? w
                            : Path.of(workdir.isEmpty() ? "/" : workdir)
                                    .resolve(w)
                                    .toString();
                }
                case "EXPOSE" -> i.words().forEach(port -> exposed.add(port.contains("/") ? port : port + "/tcp"));
                case "COPY" -> {
                    copies.add(i);
                    copyWorkdirs.add(workdir.isEmpty() ? "/" : workdir);
                }
                case "RUN" -> runs.add(i);
                case "ARG" -> {}
                default ->
                    fail("the Containerfile's final stage uses " + i.keyword() + ", which build-oci.sh does not"
                            + " reproduce and this test does not check: add it to both");
            }
        }
        return new Declared(env, entrypoint, cmd, user, workdir, labels, exposed, copies, runs, copyWorkdirs);
    }

    @Test
    void imageConfigIsTheContainerfiles() {
        Declared d = declared();
        JsonNode c = weft.runConfig();
        assertThat(strings(c.get("Entrypoint"))).as("Entrypoint").isEqualTo(d.entrypoint());
        assertThat(strings(c.get("Cmd"))).as("Cmd").isEqualTo(d.cmd());
        assertThat(c.path("User").asText(""))
                .as("User")
                .isIn(d.user().isEmpty() ? List.of("", "root", "0") : List.of(d.user()));
        assertThat(c.path("WorkingDir").asText(""))
                .as("WorkingDir")
                .isIn(d.workdir().isEmpty() ? List.of("", "/") : List.of(d.workdir()));

        Map<String, String> expectedEnv = new LinkedHashMap<>();
        expectedEnv.put("PATH", DEBIAN_PATH.substring(5)); // the debian base image's only variable
        expectedEnv.putAll(d.env());
        Map<String, String> imageEnv = new LinkedHashMap<>();
        for (String kv : strings(c.get("Env"))) {
            imageEnv.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertThat(imageEnv).as("Env").isEqualTo(expectedEnv);

        Map<String, String> imageLabels = new LinkedHashMap<>();
        c.path("Labels")
                .fields()
                .forEachRemaining(e -> imageLabels.put(e.getKey(), e.getValue().asText()));
        assertThat(imageLabels).as("Labels").containsAllEntriesOf(d.labels());
        Set<String> ports = new TreeSet<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).as("ExposedPorts").isEqualTo(d.exposed());
    }

    @Test
    void baseIsTheContainerfilesDebianSuite() {
        Matcher m = Pattern.compile("(?:.*/)?debian:([a-z]+)(?:-slim)?")
                .matcher(containerfile.finalStage().base());
        assertThat(m.matches())
                .as(
                        "final stage base %s is a debian image",
                        containerfile.finalStage().base())
                .isTrue();
        ImageArchive.Entry osRelease = weft.resolve("/etc/os-release");
        assertThat(osRelease).as("/etc/os-release").isNotNull();
        assertThat(new String(osRelease.content(), StandardCharsets.UTF_8))
                .contains("VERSION_CODENAME=" + m.group(1) + "\n");
        assertThat(weft.layerCount()).as("a base layer and a Weft layer").isGreaterThanOrEqualTo(2);
    }

    @Test
    void copyAndRunStepsAreReproducedAndNothingElseIsAdded() throws IOException {
        Declared d = declared();
        Set<String> covered = new LinkedHashSet<>(); // paths the Containerfile puts on top of the base
        List<String> problems = new ArrayList<>();

        for (int n = 0; n < d.copies().size(); n++) {
            Instruction copy = d.copies().get(n);
            for (String flag : copy.flags().keySet()) {
                if (!flag.equals("from")) {
                    problems.add(
                            "COPY --" + flag + " is not checked here (nor reproduced by build-oci.sh): " + copy.args());
                }
            }
            List<String> w = copy.words();
            String dest = w.getLast();
            List<String> sources = w.subList(0, w.size() - 1);
            boolean intoDir = dest.endsWith("/") || sources.size() > 1;
            String destAbs = dest.startsWith("/") ? dest : d.copyWorkdirs().get(n) + "/" + dest;
            for (String source : sources) {
                String target = Path.of(
                                intoDir ? destAbs + "/" + Path.of(source).getFileName() : destAbs)
                        .normalize()
                        .toString();
                covered.add(target);
                problems.addAll(checkCopy(copy.flags().get("from"), source, target));
            }
        }

        for (Instruction run : d.runs()) {
            for (String step : run.args().split("&&")) {
                List<String> t = Arrays.asList(step.trim().split("\\s+"));
                problems.addAll(checkRun(t, covered));
            }
        }

        Set<String> extra = new TreeSet<>();
        for (ImageArchive.Entry e : weft.files().values()) {
            if (e.layer() == 0 || e.path().equals("/")) {
                continue;
            }
            boolean ok = covered.stream()
                    .anyMatch(c -> e.path().equals(c)
                            || e.path().startsWith(c + "/")
                            || (e.type() == Tar.Type.DIR && c.startsWith(e.path() + "/")));
            if (!ok) {
                extra.add(e.path());
            }
        }
        if (!extra.isEmpty()) {
            problems.add("the image adds paths that no COPY or RUN of the Containerfile makes: " + extra);
        }
        assertThat(problems)
                .as("differences between the image and k8s/image/Containerfile")
                .isEmpty();
    }

    private static List<String> checkCopy(String from, String source, String target) throws IOException {
        List<String> problems = new ArrayList<>();
        ImageArchive.Entry e = weft.get(target);
        if (e == null) {
            return List.of("COPY " + (from == null ? "" : "--from=" + from + " ") + source + " -> " + target
                    + ": missing in the image");
        }
        if (e.layer() == 0) {
            problems.add(target + " comes from the base layer, not from a layer on top of it");
        }
        if (from == null) { // from the build context (the repository root)
            Path file = root.resolve(source);
            if (!Files.isRegularFile(file)) {
                return List.of("COPY " + source + ": only single files from the context are checked here");
            }
            if (e.type() != Tar.Type.FILE || !e.sha256().equals(sha256(file))) {
                problems.add(target + " differs from " + source + " in the repository");
            }
            return problems;
        }
        Stage stage = containerfile.stage(from);
        // a runtime made by `RUN jlink ... --output <source>` in that stage
        for (Instruction run : stage.all("RUN")) {
            List<String> w = run.words();
            int o = w.indexOf("--output");
            if (w.getFirst().equals("jlink") && o >= 0 && w.get(o + 1).equals(source)) {
                int a = w.indexOf("--add-modules");
                Set<String> roots = Set.of(w.get(a + 1).split(","));
                Set<String> expected =
                        Configuration.empty()
                                .resolve(ModuleFinder.ofSystem(), ModuleFinder.of(), roots)
                                .modules()
                                .stream()
                                .map(ResolvedModule::name)
                                .collect(Collectors.toCollection(TreeSet::new));
                ImageArchive.Entry release = weft.get(target + "/release");
                ImageArchive.Entry java = weft.get(target + "/bin/java");
                if (e.type() != Tar.Type.DIR || release == null || java == null || (java.mode() & 0111) == 0) {
                    return List.of(target + " is not a Java runtime (jlink --output " + source + ")");
                }
                Matcher m = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"")
                        .matcher(new String(release.content(), StandardCharsets.UTF_8));
                Set<String> actual =
                        m.find() ? new TreeSet<>(Arrays.asList(m.group(1).split(" "))) : Set.of();
                if (!actual.equals(expected)) {
                    problems.add(target + " has modules " + actual + " but jlink --add-modules " + w.get(a + 1)
                            + " makes " + expected);
                }
                return problems;
            }
        }
        // a build output: the stage copies the context into its WORKDIR and builds there
        List<Instruction> workdirs = stage.all("WORKDIR");
        boolean copiesContext = stage.all("COPY").stream()
                .anyMatch(c -> c.flags().isEmpty() && c.words().equals(List.of(".", ".")));
        if (!workdirs.isEmpty() && copiesContext) {
            String wd = workdirs.getLast().args().trim();
            if (source.startsWith(wd + "/")) {
                Path file = root.resolve(source.substring(wd.length() + 1));
                if (!Files.isRegularFile(file)) {
                    return List.of(target + ": its source " + file + " does not exist (is the tree built?)");
                }
                if (e.type() != Tar.Type.FILE || !e.sha256().equals(sha256(file))) {
                    problems.add(target + " differs from this tree's " + root.relativize(file));
                }
                return problems;
            }
        }
        return List.of(
                "COPY --from=" + from + " " + source + ": cannot tell what that is; extend build-oci.sh and this test");
    }

    private static List<String> checkRun(List<String> t, Set<String> covered) {
        String cmd = String.join(" ", t);
        if (t.size() >= 2 && t.get(0).equals("apt-get") && t.get(1).equals("update")) {
            return List.of();
        }
        if (t.size() >= 2 && t.get(0).equals("apt-get") && t.get(1).equals("install")) {
            String status = new String(weft.get("/var/lib/dpkg/status").content(), StandardCharsets.UTF_8);
            Set<String> installed = new TreeSet<>();
            for (String para : status.split("\n\n")) {
                Matcher p = Pattern.compile("(?m)^Package: (\\S+)$").matcher(para);
                if (p.find() && para.contains("\nStatus: install ok installed")) {
                    installed.add(p.group(1));
                }
            }
            return t.subList(2, t.size()).stream()
                    .filter(w -> !w.startsWith("-") && !installed.contains(w))
                    .map(pkg -> "RUN apt-get install " + pkg + ": package not installed in the image")
                    .toList();
        }
        if (t.size() >= 3 && t.get(0).equals("rm") && t.get(1).matches("-[rf]+")) {
            List<String> problems = new ArrayList<>();
            for (String glob : t.subList(2, t.size())) {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                weft.files().keySet().stream()
                        .filter(p -> m.matches(Path.of(p)))
                        .findFirst()
                        .ifPresent(p -> problems.add("RUN " + cmd + ": " + p + " is still in the image"));
            }
            return problems;
        }
        if (t.size() >= 3 && t.get(0).equals("chmod") && t.get(1).matches("[0-7]{3,4}")) {
            int mode = Integer.parseInt(t.get(1), 8);
            List<String> problems = new ArrayList<>();
            for (String glob : t.subList(2, t.size())) {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                List<ImageArchive.Entry> hits = weft.files().values().stream()
                        .filter(e -> m.matches(Path.of(e.path())))
                        .toList();
                if (hits.isEmpty()) {
                    problems.add("RUN chmod " + t.get(1) + " " + glob + ": nothing in the image matches");
                }
                hits.stream()
                        .filter(e -> (e.mode() & 07777) != mode)
                        .forEach(e -> problems.add(e.path() + " has mode " + Integer.toOctalString(e.mode() & 07777)
                                + ", the Containerfile sets " + t.get(1)));
            }
            return problems;
        }
        if (t.size() == 4 && t.get(0).equals("ln") && t.get(1).matches("-[sfn]*s[sfn]*")) {
            covered.add(t.get(3));
            ImageArchive.Entry e = weft.get(t.get(3));
            return e != null && e.type() == Tar.Type.SYMLINK && e.link().equals(t.get(2))
                    ? List.of()
                    : List.of("RUN " + cmd + ": " + t.get(3) + " is "
                            + (e == null ? "missing" : e.type() + " -> " + e.link()));
        }
        return List.of(
                "RUN " + cmd + ": a step build-oci.sh does not reproduce and this test does not check; add it to both");
    }

    @Test
    void tagIsWhatTheDaemonSetRuns() throws IOException {
        assertThat(weft.repoTags()).hasSize(1);
        String tag = weft.repoTags().getFirst();
        List<String> images = Files.readAllLines(root.resolve("k8s/deploy/daemonset.yaml")).stream()
                .map(String::strip)
                .filter(l -> l.startsWith("image:"))
                .map(l -> l.substring(6).strip())
                .toList();
        assertThat(images)
                .as("images in k8s/deploy/daemonset.yaml")
                .isNotEmpty()
                .allMatch(tag::equals);
        String kustomization = Files.readString(root.resolve("k8s/deploy/kustomization.yaml"));
        assertThat(kustomization).contains("newTag: " + tag.substring(tag.lastIndexOf(':') + 1));
    }

    @Test
    void testPodImageHasPingSleepAndAnHttpServer() {
        assertThat(testpod.repoTags()).containsExactly("weft.local/testpod:1");
        assertThat(strings(testpod.runConfig().get("Cmd"))).isEqualTo(List.of("/serve"));
        assertThat(strings(testpod.runConfig().get("Env"))).contains("PATH=/bin");
        ImageArchive.Entry busybox = testpod.get("/bin/busybox");
        assertThat(busybox).isNotNull();
        assertThat(busybox.type()).isEqualTo(Tar.Type.FILE);
        assertThat(busybox.mode() & 0111).isNotZero();
        for (String applet : List.of("ping", "sleep", "httpd", "sh", "wget", "nc", "hostname")) {
            ImageArchive.Entry e = testpod.get("/bin/" + applet);
            assertThat(e).as("/bin/" + applet).isNotNull();
            assertThat(e.type() + " " + e.link()).as("/bin/" + applet).isEqualTo("SYMLINK busybox");
        }
        assertThat(testpod.get("/serve").mode() & 0111)
                .as("/serve is executable")
                .isNotZero();
        assertThat(testpod.get("/").mode() & 0777).as("mode of /").isEqualTo(0755);
        assertThat(weft.get("/").mode() & 0777)
                .as("mode of / in the Weft image")
                .isEqualTo(0755);
    }

    private static List<String> execForm(String args) {
        String a = args.trim();
        if (a.startsWith("[")) {
            try {
                List<String> out = new ArrayList<>();
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(a).forEach(n -> out.add(n.asText()));
                return out;
            } catch (IOException e) {
                throw new IllegalArgumentException("bad JSON form: " + a, e);
            }
        }
        return List.of("/bin/sh", "-c", a);
    }

    private static List<String> strings(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = ImageArchive.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path c = p; c != null; c = c.getParent()) {
            Path pom = c.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>e2e</module>")) {
                    return c;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no Weft reactor root above " + p);
    }
}
