package dev.weft.e2e.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Containerfile/Dockerfile, by stage: continuation lines joined, comments
 * dropped, {@code ARG} defaults before the first {@code FROM} substituted into {@code FROM}.
 * Only what the image-drift test needs; no heredocs, no parser directives.
 */
final class Containerfile {

    /** One instruction: keyword upper-cased, flags such as {@code --from=build} split off. */
    record Instruction(String keyword, Map<String, String> flags, String args) {
        /** Arguments split on white space. */
        List<String> words() {
            return args.isBlank() ? List.of() : List.of(args.trim().split("\\s+"));
        }
    }

    /** A stage: its base ({@code FROM} argument, ARGs substituted), its alias (or null), its instructions. */
    record Stage(String base, String alias, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }
    }

    private final List<Stage> stages;

    private Containerfile(List<Stage> stages) {
        this.stages = stages;
    }

    static Containerfile parse(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    static Containerfile parse(String text) {
        List<String> logical = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (cur.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (!cur.isEmpty() && t.startsWith("#")) {
                continue; // comment lines inside a continued instruction are dropped, as Docker does
            }
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            cur.append(t);
            logical.add(cur.toString());
            cur.setLength(0);
        }
        if (!cur.isEmpty()) {
            logical.add(cur.toString());
        }

        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        for (String l : logical) {
            Instruction ins = instruction(l);
            if (ins.keyword().equals("FROM")) {
                List<String> w = ins.words();
                String base = substitute(w.get(0), globalArgs);
                String alias = w.size() >= 3 && w.get(1).equalsIgnoreCase("AS") ? w.get(2) : null;
                current = new ArrayList<>();
                stages.add(new Stage(base, alias, current));
            } else if (current == null) {
                if (!ins.keyword().equals("ARG")) {
                    throw new IllegalArgumentException("instruction before FROM: " + l);
                }
                String a = ins.args().trim();
                int eq = a.indexOf('=');
                globalArgs.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? "" : unquote(a.substring(eq + 1)));
            } else {
                current.add(ins);
            }
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("no FROM in the Containerfile");
        }
        return new Containerfile(List.copyOf(stages));
    }

    private static Instruction instruction(String line) {
        Matcher m = Pattern.compile("^(\\S+)\\s*(.*)$").matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot parse: " + line);
        }
        String rest = m.group(2);
        Map<String, String> flags = new LinkedHashMap<>();
        Matcher f = Pattern.compile("^--([a-z-]+)(?:=(\\S*))?\\s+").matcher(rest);
        while (f.lookingAt()) {
            flags.put(f.group(1), f.group(2) == null ? "" : f.group(2));
            rest = rest.substring(f.end());
            f = Pattern.compile("^--([a-z-]+)(?:=(\\S*))?\\s+").matcher(rest);
        }
        return new Instruction(m.group(1).toUpperCase(Locale.ROOT), flags, rest);
    }

    /** Replaces {@code $X} and {@code ${X}} with values from {@code vars} (unknown ones are left). */
    static String substitute(String s, Map<String, String> vars) {
        Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)")
                .matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(sb, Matcher.quoteReplacement(vars.getOrDefault(name, m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String unquote(String s) {
        String t = s.trim();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }

    /**
     * The key=value pairs of an {@code ENV} (both {@code ENV A=b C="d e"} and the legacy
     * {@code ENV A b c}), with earlier variables substituted.
     */
    static Map<String, String> envPairs(String args, Map<String, String> earlier) {
        Map<String, String> out = new LinkedHashMap<>();
        String a = args.trim();
        Matcher first = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)(=|\\s+)").matcher(a);
        if (first.lookingAt() && !first.group(2).equals("=")) {
            out.put(first.group(1), substitute(a.substring(first.end()), earlier));
            return out;
        }
        Matcher kv = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|\\S*)\\s*")
                .matcher(a);
        int pos = 0;
        while (pos < a.length()) {
            if (!kv.find(pos) || kv.start() != pos) {
                throw new IllegalArgumentException("cannot parse ENV " + args);
            }
            Map<String, String> scope = new LinkedHashMap<>(earlier);
            scope.putAll(out);
            out.put(kv.group(1), substitute(unquote(kv.group(2)), scope));
            pos = kv.end();
        }
        return out;
    }

    List<Stage> stages() {
        return stages;
    }

    Stage finalStage() {
        return stages.getLast();
    }

    /** The stage named {@code alias} (or with that index), for {@code COPY --from=}. */
    Stage stage(String aliasOrIndex) {
        for (Stage s : stages) {
            if (aliasOrIndex.equals(s.alias())) {
                return s;
            }
        }
        if (aliasOrIndex.matches("\\d+")) {
            return stages.get(Integer.parseInt(aliasOrIndex));
        }
        throw new IllegalArgumentException("COPY --from=" + aliasOrIndex + " names no stage of the Containerfile");
    }
}
