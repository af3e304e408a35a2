package dev.weft.e2e.arch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a Weft source tree against the module directions of DESIGN.md section 1:
 * Java references ({@code import dev.weft.x...} or fully-qualified uses) in each module's
 * {@code src/main/java}, {@code dev.weft.e2e} references anywhere outside e2e, internal
 * dependencies declared in module poms, and any mention of Atomix in poms or sources.
 */
final class ArchitectureChecker {

    /** One broken rule, located precisely enough to fix it. */
    record Violation(Path file, int line, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    private static final Pattern WEFT_REF =
            Pattern.compile("\\bdev\\s*\\.\\s*weft\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern ATOMIX_REF = Pattern.compile("\\bio\\s*\\.\\s*atomix\\b");
    private static final Pattern MODULE_ENTRY = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>\\s*([^<\\s]+)\\s*</artifactId>");
    private static final Pattern SCOPE = Pattern.compile("<scope>\\s*([^<\\s]+)\\s*</scope>");
    private static final Pattern XML_COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);

    private final Path root;
    private final List<Violation> violations = new ArrayList<>();
    private int javaFilesScanned;

    private ArchitectureChecker(Path root) {
        this.root = root;
    }

    /** Result of a check: every violation, and how many Java files were looked at. */
    record Report(List<Violation> violations, int javaFilesScanned) {}

    static Report check(Path repoRoot) {
        ArchitectureChecker c = new ArchitectureChecker(repoRoot);
        c.run();
        return new Report(List.copyOf(c.violations), c.javaFilesScanned);
    }

    private void run() {
        Path rootPom = root.resolve("pom.xml");
        if (!Files.isRegularFile(rootPom)) {
            add(rootPom, 0, "no root pom.xml: not a Weft source tree");
            return;
        }
        String rootPomText = read(rootPom);
        checkAtomix(rootPom, rootPomText);
        List<String> modules = new ArrayList<>();
        Matcher m = MODULE_ENTRY.matcher(stripXmlComments(rootPomText));
        while (m.find()) {
            modules.add(m.group(1));
        }
        for (String expected : ModuleRules.ALLOWED.keySet()) {
            if (!modules.contains(expected)) {
                add(rootPom, 0, "module '" + expected + "' of DESIGN.md section 1 is not in the reactor; "
                        + "update ModuleRules if the layout changed on purpose");
            }
        }
        for (String module : modules) {
            if (!ModuleRules.ALLOWED.containsKey(module)) {
                add(rootPom, 0, "module '" + module + "' has no dependency rule; add it to ModuleRules "
                        + "(which Weft modules may it use?)");
                continue;
            }
            Path dir = root.resolve(module);
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom)) {
                checkPom(module, pom);
            } else {
                add(pom, 0, "module '" + module + "' has no pom.xml");
            }
            scanSources(module, dir.resolve("src/main/java"), true);
            scanSources(module, dir.resolve("src/test/java"), false);
        }
    }

    private void checkPom(String module, Path pom) {
        String text = read(pom);
        checkAtomix(pom, text);
        String code = stripXmlComments(text);
        Matcher dep = DEPENDENCY.matcher(code);
        while (dep.find()) {
            String body = dep.group(1);
            Matcher a = ARTIFACT.matcher(body);
            if (!a.find()) {
                continue;
            }
            Matcher s = SCOPE.matcher(body);
            String scope = s.find() ? s.group(1) : "compile";
            Optional<String> target = ModuleRules.moduleOfArtifact(a.group(1));
            if (target.isEmpty() || scope.equals("test")) {
                continue;
            }
            if (target.get().equals(ModuleRules.E2E) && !module.equals(ModuleRules.E2E)) {
                add(pom, lineOf(text, a.group(1)), "module '" + module + "' depends on the test-only e2e module");
            } else if (!ModuleRules.mayUse(module, target.get())) {
                add(pom, lineOf(text, a.group(1)), "module '" + module + "' must not depend on '" + target.get()
                        + "' (allowed: " + ModuleRules.ALLOWED.get(module) + ")");
            }
        }
    }

    private void scanSources(String module, Path dir, boolean mainCode) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path f : files) {
            javaFilesScanned++;
            scanFile(module, f, mainCode);
        }
    }

    private void scanFile(String module, Path file, boolean mainCode) {
        String code = JavaSourceText.codeOnly(read(file));
        if (ATOMIX_REF.matcher(code).find()) {
            add(file, lineAt(code, firstIndex(ATOMIX_REF, code)), "uses Atomix (rejected, see DESIGN.md section 11)");
        }
        Matcher m = WEFT_REF.matcher(code);
        while (m.find()) {
            String segment = m.group(1);
            int line = lineAt(code, m.start());
            Optional<String> target = ModuleRules.moduleOfPackage(segment);
            if (target.isEmpty()) {
                add(file, line, "references dev.weft." + segment + ", which belongs to no known module");
                continue;
            }
            String to = target.get();
            if (to.equals(ModuleRules.E2E) && !module.equals(ModuleRules.E2E)) {
                add(file, line, "module '" + module + "' references dev.weft.e2e (test-only module)");
            } else if (mainCode && !ModuleRules.mayUse(module, to)) {
                add(file, line, "main code of '" + module + "' must not use dev.weft." + segment
                        + " (module '" + to + "'; allowed: " + ModuleRules.ALLOWED.get(module) + ")");
            }
        }
    }

    private void checkAtomix(Path file, String text) {
        String code = stripXmlComments(text);
        Matcher m = ATOMIX_REF.matcher(code);
        if (m.find()) {
            add(file, lineAt(code, m.start()), "mentions Atomix (rejected, see DESIGN.md section 11)");
        }
    }

    private static String stripXmlComments(String xml) {
        Matcher m = XML_COMMENT.matcher(xml);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group().replaceAll("[^\n]", " ")));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static int firstIndex(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.start() : 0;
    }

    private static int lineOf(String text, String needle) {
        int i = text.indexOf(needle);
        return i < 0 ? 0 : lineAt(text, i);
    }

    private static int lineAt(String text, int index) {
        int line = 1;
        for (int i = 0; i < index && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private void add(Path file, int line, String message) {
        violations.add(new Violation(root.relativize(file), line, message));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
