package dev.weft.e2e.arch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What class files cannot show: the reactor's module list and the poms' declared dependencies. Every module of the
 * reactor has a rule in {@link ModuleRules} and every rule's module is in the reactor; a module's non-test
 * dependencies on Weft modules follow the allowed directions; nothing depends on e2e; no pom uses Atomix.
 * Poms are read as XML (comments are not elements).
 */
final class ModulePoms {
    private ModulePoms() {}

    static List<String> check(Path root) {
        List<String> v = new ArrayList<>();
        Path rootPom = root.resolve("pom.xml");
        if (!Files.isRegularFile(rootPom)) return List.of("pom.xml: missing: not a Weft source tree");
        Document rootDoc = parse(rootPom);
        checkAtomix("pom.xml", rootDoc, v);
        List<String> modules = texts(rootDoc.getDocumentElement(), "modules", "module");
        for (String expected : ModuleRules.ALLOWED.keySet()) {
            if (!modules.contains(expected)) {
                v.add("pom.xml: module '" + expected + "' of DESIGN.md section 1 is not in the reactor; "
                        + "update ModuleRules if the layout changed on purpose");
            }
        }
        for (String module : modules) {
            if (!ModuleRules.ALLOWED.containsKey(module)) {
                v.add("pom.xml: module '" + module + "' has no dependency rule; add it to ModuleRules "
                        + "(which Weft modules may it use?)");
                continue;
            }
            Path pom = root.resolve(module).resolve("pom.xml");
            if (!Files.isRegularFile(pom)) {
                v.add(module + "/pom.xml: missing");
                continue;
            }
            String where = module + "/pom.xml";
            Document doc = parse(pom);
            checkAtomix(where, doc, v);
            for (Element dep : children(child(doc.getDocumentElement(), "dependencies"), "dependency")) {
                String artifact = text(dep, "artifactId");
                String scope = Optional.ofNullable(text(dep, "scope")).orElse("compile");
                Optional<String> target = ModuleRules.moduleOfArtifact(artifact);
                if (target.isEmpty() || scope.equals("test")) continue;
                if (target.get().equals(ModuleRules.E2E) && !module.equals(ModuleRules.E2E)) {
                    v.add(where + ": module '" + module + "' depends on the test-only e2e module");
                } else if (!ModuleRules.mayUse(module, target.get())) {
                    v.add(where + ": module '" + module + "' must not depend on '" + target.get() + "' (allowed: "
                            + ModuleRules.ALLOWED.get(module) + ")");
                }
            }
        }
        return v;
    }

    private static void checkAtomix(String where, Document doc, List<String> v) {
        NodeList groups = doc.getElementsByTagName("groupId");
        for (int i = 0; i < groups.getLength(); i++) {
            if (groups.item(i).getTextContent().trim().startsWith("io.atomix")) {
                v.add(where + ": uses Atomix (rejected, see DESIGN.md section 11)");
                return;
            }
        }
    }

    private static Document parse(Path pom) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(pom.toFile());
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse " + pom + ": " + e.getMessage(), e);
        }
    }

    private static Element child(Element parent, String name) {
        if (parent == null) return null;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) return e;
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent == null) return out;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) out.add(e);
        }
        return out;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    private static List<String> texts(Element parent, String container, String name) {
        return children(child(parent, container), name).stream()
                .map(e -> e.getTextContent().trim())
                .toList();
    }
}
